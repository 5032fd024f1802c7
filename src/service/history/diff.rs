//! What changed in one entry between two instants of record time (issue 18, part 2): the
//! entry's public record as of each instant, compared field by field.
//!
//! An entry's public record as of an instant is the `after` of its last public revision at or
//! before that instant's revision (absent when it had none yet, or after its deletion). The
//! comparison is the one a revision's `changedFields` makes between its `before` and `after`
//! ([`changed_fields`]), so a diff over one revision names exactly the fields that revision does.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{Map, Value as Json};

use super::as_recorded_at;
use crate::domain::EntityType;
use crate::entity::revision;
use crate::service::{ServiceError, ServiceResult};

/// One field whose value differs between two records; `None` where a record lacks the field
/// (or the entry had no public record then).
#[derive(Clone, Debug, PartialEq)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<Json>,
    pub after: Option<Json>,
}

fn fields(record: Option<&Json>) -> Map<String, Json> {
    record.and_then(Json::as_object).cloned().unwrap_or_default()
}

/// The names of the fields whose values differ between two records (JSON objects; anything
/// else, or none, is a record without fields), sorted.
pub fn changed_fields(before: Option<&Json>, after: Option<&Json>) -> Vec<String> {
    let (before, after) = (fields(before), fields(after));
    let mut names: Vec<String> =
        before.keys().chain(after.keys()).filter(|k| before.get(*k) != after.get(*k)).cloned().collect();
    names.sort();
    names.dedup();
    names
}

/// Each field that differs between two records, with its value in each, sorted by name.
pub fn field_changes(before: Option<&Json>, after: Option<&Json>) -> Vec<FieldChange> {
    let names = changed_fields(before, after);
    let (before, after) = (fields(before), fields(after));
    names
        .into_iter()
        .map(|field| FieldChange { before: before.get(&field).cloned(), after: after.get(&field).cloned(), field })
        .collect()
}

/// The public record of entry `id` of `kind` as of revision `revision` (see the module).
async fn record_as_of(
    db: &DatabaseConnection,
    kind: EntityType,
    id: i32,
    revision: i32,
) -> ServiceResult<Option<Json>> {
    let after: Option<Option<Json>> = revision::Entity::find()
        .select_only()
        .column(revision::Column::After)
        .filter(revision::Column::EntityType.eq(kind.as_str()))
        .filter(revision::Column::EntityId.eq(id))
        .filter(revision::Column::Public.eq(true))
        .filter(revision::Column::Id.lte(revision))
        .order_by_desc(revision::Column::Id)
        .into_tuple()
        .one(db)
        .await?;
    Ok(after.flatten())
}

/// The fields of entry `id` of `kind` whose public record differs between `since` and `until`
/// (now when absent). Each instant is checked as `asRecordedAt` is, under its argument's name;
/// a `since` later than `until` is the client's mistake, named `since`.
pub async fn changes(
    db: &DatabaseConnection,
    kind: EntityType,
    id: i32,
    since: DateTime<Utc>,
    until: Option<DateTime<Utc>>,
) -> ServiceResult<Vec<FieldChange>> {
    if let Some(until) = until
        && since > until
    {
        return Err(ServiceError::bad_input("since", "is after `until`: a change runs from `since` to `until`"));
    }
    let from = as_recorded_at(db, "since", since).await?;
    let to = match until {
        Some(until) => as_recorded_at(db, "until", until).await?.revision,
        None => i32::MAX,
    };
    let before = record_as_of(db, kind, id, from.revision).await?;
    let after = record_as_of(db, kind, id, to).await?;
    Ok(field_changes(before.as_ref(), after.as_ref()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn lists_the_fields_that_differ_with_both_values() {
        let before = json!({ "name": "A", "compute": 1.0, "gone": true, "same": [1] });
        let after = json!({ "name": "B", "compute": 2.0, "new": "x", "same": [1] });
        let changes = field_changes(Some(&before), Some(&after));
        let names: Vec<_> = changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(names, ["compute", "gone", "name", "new"]);
        assert_eq!(changes[3], FieldChange { field: "new".into(), before: None, after: Some(json!("x")) });
        assert_eq!(changed_fields(Some(&before), Some(&after)), names);
    }

    #[test]
    fn an_absent_record_has_no_fields() {
        let after = json!({ "name": "B" });
        assert_eq!(
            field_changes(None, Some(&after)),
            [FieldChange { field: "name".into(), before: None, after: Some(json!("B")) }]
        );
        assert!(field_changes(None, None).is_empty());
    }
}
