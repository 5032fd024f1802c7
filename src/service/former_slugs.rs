//! Slugs an entry had before it was renamed: links made with them keep resolving. A current
//! slug always wins over a former one.

use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::ServiceResult;
use crate::domain::EntityType;
use crate::entity::former_slug;

pub async fn lookup(db: &impl ConnectionTrait, kind: EntityType, slug: &str) -> ServiceResult<Option<i32>> {
    let row = former_slug::Entity::find()
        .filter(former_slug::Column::EntityType.eq(kind.as_str()))
        .filter(former_slug::Column::Slug.eq(slug))
        .one(db)
        .await?;
    Ok(row.map(|r| r.entity_id))
}

/// Records a rename from `old` to `new`: `old` now points at the entry, and `new` is no longer
/// anyone's former slug.
pub async fn renamed(db: &impl ConnectionTrait, kind: EntityType, id: i32, old: &str, new: &str) -> ServiceResult<()> {
    taken(db, kind, new).await?;
    taken(db, kind, old).await?;
    former_slug::Entity::insert(former_slug::ActiveModel {
        entity_type: Set(kind),
        slug: Set(old.into()),
        entity_id: Set(id),
        ..Default::default()
    })
    .exec(db)
    .await?;
    Ok(())
}

/// `slug` is now an entry's current slug: it stops being a former one.
pub async fn taken(db: &impl ConnectionTrait, kind: EntityType, slug: &str) -> ServiceResult<()> {
    former_slug::Entity::delete_many()
        .filter(former_slug::Column::EntityType.eq(kind.as_str()))
        .filter(former_slug::Column::Slug.eq(slug))
        .exec(db)
        .await?;
    Ok(())
}
