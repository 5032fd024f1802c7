//! Batch reads of every relation, keyed by the owning rows' ids: one or two statements for any
//! number of owners, which is what the GraphQL layer's DataLoaders call.

use std::collections::HashMap;
use std::sync::Arc;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, DerivePartialModel, EntityTrait, FromQueryResult, JoinType, Order,
    PartialModelTrait, QueryFilter, QueryOrder, QueryResult, QuerySelect, QueryTrait, RelationTrait,
    sea_query::{
        Asterisk, Expr, ExprTrait, NullOrdering, Query, SelectStatement, WindowStatement, extension::postgres::PgFunc,
    },
};

use super::row::{column, read_by_position};
use super::{
    Audience, ServiceResult,
    capabilities::CapabilityRow,
    models::{self, ModelRow},
    organizations::OrganizationRow,
    risk_assessments::RiskAssessmentRow,
};
use crate::domain::{CapabilityStatus, Modality, ModalityDirection};
use crate::entity::{
    dataset, model, model_alias, model_capability, model_dataset, model_modality, model_organization, model_source,
    organization, risk_assessment,
};

read_by_position! {
    /// A model's link to a capability as reads serve it: the columns the API shows (a page reads
    /// hundreds of links, and their timestamps and version are the history's to show).
    #[derive(Clone, Debug, PartialEq, DerivePartialModel)]
    #[sea_orm(entity = "model_capability::Entity", from_query_result = "false")]
    pub struct ModelCapabilityRow {
        pub id: i32,
        pub model_id: i32,
        pub capability_id: i32,
        pub status: CapabilityStatus,
        pub evidence: Option<String>,
        pub source_url: Option<String>,
    }
}
pub use model_modality::Model as ModalityRow;
pub use model_source::Model as SourceRow;

/// The most items each of a model's own lists holds (aliases, organizations, each direction of
/// modalities, datasets, capability links, sources, risk assessments): edits refuse more. The
/// API's cost estimate charges these lists at this size, so it must hold.
pub const MAX_MODEL_LIST: usize = 50;

/// The most compute thresholds the catalog holds (edits refuse more): a model's
/// `thresholdsCrossed` is charged at this size.
pub const MAX_THRESHOLDS: usize = 50;

/// The most models a reverse list returns (a capability's, organization's or dataset's models,
/// a model's derived models): the newest ones. These lists grow with the catalog, so without a
/// cap no cost estimate of them could hold; the whole of such a list is a filtered `models`
/// page away. As many as the largest page.
pub const MAX_REVERSE_LIST: usize = super::page::MAX_PAGE_SIZE as usize;

/// Each owner's newest models (`pairs` come newest first), at most [`MAX_REVERSE_LIST`].
fn newest_of_each<K: std::hash::Hash + Eq, V>(pairs: impl IntoIterator<Item = (K, V)>) -> HashMap<K, Vec<V>> {
    let mut map = group(pairs);
    for list in map.values_mut() {
        list.truncate(MAX_REVERSE_LIST);
    }
    map
}

fn group<K: std::hash::Hash + Eq, V>(pairs: impl IntoIterator<Item = (K, V)>) -> HashMap<K, Vec<V>> {
    let mut map: HashMap<K, Vec<V>> = HashMap::new();
    for (k, v) in pairs {
        map.entry(k).or_default().push(v);
    }
    map
}

pub async fn aliases(db: &impl ConnectionTrait, model_ids: &[i32]) -> ServiceResult<HashMap<i32, Vec<String>>> {
    let rows = model_alias::Entity::find()
        .filter(one_of(db.get_database_backend(), model_alias::Column::ModelId, model_ids.iter().copied()))
        .order_by_asc(model_alias::Column::Position)
        .all(db)
        .await?;
    Ok(group(rows.into_iter().map(|r| (r.model_id, r.alias))))
}

/// A model's short lists: its aliases, its input and output modalities and its sources.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ModelLists {
    pub aliases: Vec<String>,
    pub modalities: Vec<ModalityRow>,
    pub sources: Vec<SourceRow>,
}

/// Which list a row of [`lists_of_models`] belongs to (its first column).
const ALIAS: i32 = 0;
const MODALITY: i32 = 1;
const SOURCE: i32 = 2;

/// Each model's short lists, in one statement: the three tables' rows as one `UNION ALL`, each
/// row tagged with its list, aliases and sources in their order. A model page shows all three
/// lists, of a few rows each; in one statement instead of three it costs the server 1.93 M
/// instructions instead of 2.10 M (callgrind; bench/README.md, "Round three, continued (2)").
pub async fn lists_of_models(db: &impl ConnectionTrait, model_ids: &[i32]) -> ServiceResult<HashMap<i32, ModelLists>> {
    use sea_orm::sea_query::{Alias, Query, UnionType};
    let backend = db.get_database_backend();
    let ids = || model_ids.iter().copied();
    // Columns: list, model_id, position, id, then two texts (alias, -; direction, modality;
    // url, title). The aliases' select names them and heads the union.
    let mut statement = Query::select();
    statement
        .expr_as(Expr::val(ALIAS), "list")
        .columns([model_alias::Column::ModelId, model_alias::Column::Position, model_alias::Column::Id])
        .column(model_alias::Column::Alias)
        .expr(Expr::val(Option::<String>::None))
        .from(model_alias::Entity)
        .and_where(one_of(backend, model_alias::Column::ModelId, ids()));
    let mut modalities = Query::select();
    modalities
        .expr(Expr::val(MODALITY))
        .column(model_modality::Column::ModelId)
        .exprs([Expr::val(0), Expr::val(0)])
        .columns([model_modality::Column::Direction, model_modality::Column::Modality])
        .from(model_modality::Entity)
        .and_where(one_of(backend, model_modality::Column::ModelId, ids()));
    let mut sources = Query::select();
    sources
        .expr(Expr::val(SOURCE))
        .columns([model_source::Column::ModelId, model_source::Column::Position, model_source::Column::Id])
        .columns([model_source::Column::Url, model_source::Column::Title])
        .from(model_source::Entity)
        .and_where(one_of(backend, model_source::Column::ModelId, ids()));
    statement
        .union(UnionType::All, modalities)
        .union(UnionType::All, sources)
        .order_by(Alias::new("list"), Order::Asc)
        .order_by(Alias::new("position"), Order::Asc)
        .order_by(Alias::new("id"), Order::Asc);
    let rows = db.query_all(&statement).await?;

    let mut lists: HashMap<i32, ModelLists> = HashMap::new();
    for row in &rows {
        let model_id: i32 = column(row, 1)?;
        let lists = lists.entry(model_id).or_default();
        let text: String = column(row, 4)?;
        match column::<i32>(row, 0)? {
            ALIAS => lists.aliases.push(text),
            MODALITY => {
                let modality: String = column(row, 5)?;
                lists.modalities.push(ModalityRow {
                    model_id,
                    direction: super::stored("modality direction", &text, ModalityDirection::parse)?,
                    modality: super::stored("modality", &modality, Modality::parse)?,
                })
            }
            _ => lists.sources.push(SourceRow {
                id: column(row, 3)?,
                model_id,
                url: text,
                title: column(row, 5)?,
                position: column(row, 2)?,
            }),
        }
    }
    Ok(lists)
}

/// `column` is one of `ids`. Postgres is asked `column = ANY($1)` with the ids as one array:
/// one prepared statement for any number of ids, which Postgres binds and plans for less than a
/// list of as many parameters (the catalog page's five statements cost it a fifth less CPU that
/// way, measured with pgbench). SQLite has no arrays and is asked `column IN (?, ...)`.
///
/// One id is asked `column = $1`, on both backends. Postgres plans a prepared `= ANY($1)` anew
/// at every execution (its generic plan, costed for an array of unknown length, never beats the
/// custom one), but settles on one plan for `= $1` after five: most of a model page's relations
/// are one-id reads, and planning them was about a third of Postgres' CPU for the page (1.46 ms
/// a request against 0.92 with generic plans; bench/README.md, "Round three, continued (2)").
pub fn one_of(backend: DbBackend, column: impl ColumnTrait, ids: impl IntoIterator<Item = i32>) -> Expr {
    let ids: Vec<i32> = ids.into_iter().collect();
    match (backend, ids.as_slice()) {
        (_, &[id]) => column.eq(id),
        (DbBackend::Postgres, _) => Expr::col(column.as_column_ref()).eq(PgFunc::any(Expr::val(ids))),
        _ => column.is_in(ids),
    }
}

/// The name under which a joined read selects the owner's id beside the target's own columns.
const OWNER_ID: &str = "owner_id";

/// A row read together with the id of the row that owns it (a model's organization, with the
/// model's id). The target's columns keep their own names, so sea-orm reads them without the
/// prefix a two-model select (`find_also_related`) formats for every column of every row,
/// which was a sixth of the CPU of a catalog page.
struct Owned<T> {
    owner_id: i32,
    row: T,
}

impl<T: FromQueryResult> FromQueryResult for Owned<T> {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Owned { owner_id: res.try_get(pre, OWNER_ID)?, row: T::from_query_result(res, pre)? })
    }
}

/// Each model's organizations, lead organization first (one statement).
pub async fn organizations_of_models(
    db: &impl ConnectionTrait,
    model_ids: &[i32],
) -> ServiceResult<HashMap<i32, Vec<OrganizationRow>>> {
    let rows = OrganizationRow::select_cols(organization::Entity::find().select_only())
        .column_as(model_organization::Column::ModelId, OWNER_ID)
        .join(JoinType::InnerJoin, model_organization::Relation::Organization.def().rev())
        .filter(one_of(db.get_database_backend(), model_organization::Column::ModelId, model_ids.iter().copied()))
        .order_by_asc(model_organization::Column::Position)
        .into_model::<Owned<OrganizationRow>>()
        .all(db)
        .await?;
    Ok(group(rows.into_iter().map(|o| (o.owner_id, o.row))))
}

/// Each model's capability links with the capability they name, in one statement: the links
/// joined to their capabilities. A capability is read from the first row that names it and
/// shared by the others (a catalog page's 200 links name about 50), so the rows that repeat it
/// cost their transfer, not their strings. Until then the capabilities were read by id in a
/// statement of their own: on the 2-core bench machine each statement of a model page costs the
/// server more in the kernel (loopback TCP and the wakeups it causes) than in its own code
/// (bench/README.md, "Round three, continued (2)").
pub async fn capabilities_of_models(
    db: &impl ConnectionTrait,
    model_ids: &[i32],
) -> ServiceResult<HashMap<i32, Vec<(ModelCapabilityRow, Arc<CapabilityRow>)>>> {
    let select =
        CapabilityRow::select_cols(ModelCapabilityRow::select_cols(model_capability::Entity::find().select_only()))
            .join(JoinType::InnerJoin, model_capability::Relation::Capability.def())
            .filter(one_of(db.get_database_backend(), model_capability::Column::ModelId, model_ids.iter().copied()))
            .order_by_asc(model_capability::Column::Status)
            .order_by_asc(model_capability::Column::Id);
    let rows = db.query_all(&select.into_query()).await?;
    let mut capabilities: HashMap<i32, Arc<CapabilityRow>> = HashMap::new();
    let mut links = Vec::with_capacity(rows.len());
    for row in &rows {
        let link = ModelCapabilityRow::read_from(row, 0)?;
        let capability = match capabilities.get(&link.capability_id) {
            Some(capability) => capability.clone(),
            None => {
                let capability = Arc::new(CapabilityRow::read_from(row, ModelCapabilityRow::COLUMNS)?);
                capabilities.insert(capability.id, capability.clone());
                capability
            }
        };
        links.push((link.model_id, (link, capability)));
    }
    Ok(group(links))
}

fn risk_assessments_of(backend: DbBackend, model_ids: &[i32]) -> sea_orm::Select<risk_assessment::Entity> {
    risk_assessment::Entity::find()
        .filter(one_of(backend, risk_assessment::Column::ModelId, model_ids.iter().copied()))
        .order_by_asc(risk_assessment::Column::Horizon)
        .order_by_asc(risk_assessment::Column::Id)
}

pub async fn risk_assessments_of_models(
    db: &impl ConnectionTrait,
    model_ids: &[i32],
) -> ServiceResult<HashMap<i32, Vec<RiskAssessmentRow>>> {
    let rows = risk_assessments_of(db.get_database_backend(), model_ids)
        .into_partial_model::<RiskAssessmentRow>()
        .all(db)
        .await?;
    Ok(group(rows.into_iter().map(|r| (r.model_id, r))))
}

/// The same, each with its rationale, for a page that shows them (still one statement).
pub async fn risk_assessments_with_rationales_of_models(
    db: &impl ConnectionTrait,
    model_ids: &[i32],
) -> ServiceResult<HashMap<i32, Vec<(RiskAssessmentRow, String)>>> {
    let rows = risk_assessments_of(db.get_database_backend(), model_ids).all(db).await?;
    Ok(group(rows.into_iter().map(|mut r| {
        let rationale = std::mem::take(&mut r.rationale);
        (r.model_id, (RiskAssessmentRow::from(r), rationale))
    })))
}

/// Each model's training datasets, by name (one statement).
pub async fn datasets_of_models(
    db: &impl ConnectionTrait,
    model_ids: &[i32],
) -> ServiceResult<HashMap<i32, Vec<dataset::Model>>> {
    let rows = dataset::Entity::find()
        .column_as(model_dataset::Column::ModelId, OWNER_ID)
        .join(JoinType::InnerJoin, model_dataset::Relation::Dataset.def().rev())
        .filter(one_of(db.get_database_backend(), model_dataset::Column::ModelId, model_ids.iter().copied()))
        .order_by_asc(dataset::Column::NameKey)
        .order_by_asc(dataset::Column::Id)
        .into_model::<Owned<dataset::Model>>()
        .all(db)
        .await?;
    Ok(group(rows.into_iter().map(|o| (o.owner_id, o.row))))
}

pub async fn models_by_ids(
    db: &impl ConnectionTrait,
    audience: Audience,
    ids: &[i32],
) -> ServiceResult<HashMap<i32, ModelRow>> {
    let rows = models::rows(audience)
        .filter(one_of(db.get_database_backend(), model::Column::Id, ids.iter().copied()))
        .into_model::<ModelRow>()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|m| (m.id, m)).collect())
}

/// Models fine-tuned or derived from each of `base_ids`, newest first (at most [`MAX_REVERSE_LIST`]).
pub async fn derived_models(
    db: &impl ConnectionTrait,
    audience: Audience,
    base_ids: &[i32],
) -> ServiceResult<HashMap<i32, Vec<ModelRow>>> {
    // With no models asked by id, the same statement as a model page's base and derived models.
    Ok(models_and_derived(db, audience, &[], base_ids).await?.1)
}

/// The models `ids` and the models derived from each of `derived_from`, in one statement: a model
/// page shows its base model and its derived models: 1.82 M instructions a model page instead of
/// 1.93 M, and 13 % more pages a second (bench/README.md, "Round three, continued (2)"). The
/// same answers as [`models_by_ids`] and [`derived_models`].
pub async fn models_and_derived(
    db: &impl ConnectionTrait,
    audience: Audience,
    ids: &[i32],
    derived_from: &[i32],
) -> ServiceResult<(HashMap<i32, ModelRow>, HashMap<i32, Vec<ModelRow>>)> {
    let backend = db.get_database_backend();
    let by_id = (!ids.is_empty()).then(|| one_of(backend, model::Column::Id, ids.iter().copied()));
    let by_base =
        (!derived_from.is_empty()).then(|| one_of(backend, model::Column::BaseModelId, derived_from.iter().copied()));
    // An empty list is left out of the statement. SQLite, asked `1 = 2 OR base_model_id = ?`,
    // scanned the whole base model index instead of seeking in it (15.4 ms instead of 0.02 for
    // a model page's derived models at 50,000 models); Postgres, asked `id = ANY($1)` with an
    // empty array, planned the statement at every execution (see `one_of`): the model page went
    // from 1,569-1,575 to 1,926-2,038 requests/s at 50,000 models (bench/README.md, "Round
    // three, continued (3)").
    let wanted = match (by_id.clone(), by_base) {
        (Some(by_id), Some(by_base)) => by_id.or(by_base),
        (Some(only), None) | (None, Some(only)) => only,
        (None, None) => return Ok((HashMap::new(), HashMap::new())),
    };
    let select = models::rows(audience).filter(wanted).into_query();
    // The models asked by id are kept whatever their rank among their base's derivatives.
    let rows = newest_of_each_owner(db, select, model::Column::BaseModelId, by_id).await?;
    let found = rows.iter().filter(|(_, m)| ids.contains(&m.id)).map(|(_, m)| (m.id, m.clone())).collect();
    // Ranked newest first within each base, so a model asked by id past its base's cap comes
    // after the newest ones and is cut off with the rest.
    let derived = newest_of_each(owned(rows).filter(|(base, _)| derived_from.contains(base)));
    Ok((found, derived))
}

/// The rows that have an owner.
fn owned(rows: Vec<(Option<i32>, ModelRow)>) -> impl Iterator<Item = (i32, ModelRow)> {
    rows.into_iter().filter_map(|(owner, row)| Some((owner?, row)))
}

/// Each owner's newest [`MAX_REVERSE_LIST`] models among those `ranked` reads (the models'
/// rows, joined to where `owner` names their owner), each with its owner's id, newest first
/// within each owner. Rows for which `keep` holds come too, past the cap or without an owner
/// (then None). The cap is the database's work
/// (`ROW_NUMBER()` per owner), not ours: a capability shown by 4,100 of the 50,000 bench models
/// sends its newest 100. `capabilities(first: 50) { nodes { models { status model { slug } } } }`
/// read every link and linked model there (196,000) to keep 5,000: 0.6–1.0 s a request, and the
/// server's peak memory went to 342 MB after one, to 1.17 GB under 16 clients; now 0.30–0.35 s
/// (Postgres sorting the links per owner) and 58 and 128 MB (bench/README.md, "Round three,
/// continued (3)").
async fn newest_of_each_owner(
    db: &impl ConnectionTrait,
    mut ranked: SelectStatement,
    owner: impl ColumnTrait,
    keep: Option<Expr>,
) -> ServiceResult<Vec<(Option<i32>, ModelRow)>> {
    const RANK: &str = "owner_rank";
    const KEEP: &str = "kept_anyway";
    let window = WindowStatement::partition_by(owner.as_column_ref())
        .order_by_with_nulls((model::Entity, model::Column::AnnouncedOn), Order::Desc, NullOrdering::Last)
        .order_by((model::Entity, model::Column::Id), Order::Asc)
        .take();
    ranked.expr_as(Expr::col(owner.as_column_ref()), OWNER_ID).expr_window_as(Expr::cust("ROW_NUMBER()"), window, RANK);
    let mut within = Expr::col(RANK).lte(MAX_REVERSE_LIST as i64);
    if let Some(keep) = keep {
        ranked.expr_as(keep, KEEP);
        within = within.or(Expr::col(KEEP));
    }
    let mut capped = Query::select();
    capped.column(Asterisk).from_subquery(ranked.take(), "ranked").and_where(within);
    capped.order_by(RANK, Order::Asc);
    let rows = db.query_all_raw(db.get_database_backend().build(&capped)).await?;
    rows.iter()
        .map(|row| Ok((column::<Option<i32>>(row, ModelRow::COLUMNS)?, ModelRow::read_from(row, 0)?)))
        .collect::<Result<_, DbErr>>()
        .map_err(Into::into)
}

/// The models `audience` may see that a link of `link_model`'s table ties to one of `owner_ids`
/// (the link's `owner` column), each row with its owner's id: a model with several of the owners
/// comes once for each.
fn linked_models(
    backend: DbBackend,
    audience: Audience,
    link_model: impl ColumnTrait,
    owner: impl ColumnTrait,
    owner_ids: &[i32],
) -> SelectStatement {
    let mut select = models::rows(audience).into_query();
    select
        .inner_join(
            link_model.entity_name(),
            Expr::col(link_model.as_column_ref()).equals((model::Entity, model::Column::Id)),
        )
        .and_where(one_of(backend, owner, owner_ids.iter().copied()));
    select
}

/// Each organization's models, newest first (at most [`MAX_REVERSE_LIST`]).
pub async fn models_of_organizations(
    db: &impl ConnectionTrait,
    audience: Audience,
    organization_ids: &[i32],
) -> ServiceResult<HashMap<i32, Vec<ModelRow>>> {
    let (link, owner) = (model_organization::Column::ModelId, model_organization::Column::OrganizationId);
    let select = linked_models(db.get_database_backend(), audience, link, owner, organization_ids);
    Ok(group(owned(newest_of_each_owner(db, select, owner, None).await?)))
}

/// Each capability's links to the models `audience` may see, newest model first (at most
/// [`MAX_REVERSE_LIST`]): the newest models, then their links (a model has at most one link to a
/// capability).
pub async fn models_with_capabilities(
    db: &impl ConnectionTrait,
    audience: Audience,
    capability_ids: &[i32],
) -> ServiceResult<HashMap<i32, Vec<(ModelCapabilityRow, ModelRow)>>> {
    let backend = db.get_database_backend();
    let (link, owner) = (model_capability::Column::ModelId, model_capability::Column::CapabilityId);
    let select = linked_models(backend, audience, link, owner, capability_ids);
    let newest: Vec<(i32, ModelRow)> = owned(newest_of_each_owner(db, select, owner, None).await?).collect();
    if newest.is_empty() {
        return Ok(HashMap::new());
    }
    let mut model_ids: Vec<i32> = newest.iter().map(|(_, m)| m.id).collect();
    model_ids.sort_unstable();
    model_ids.dedup();
    let mut links: HashMap<(i32, i32), ModelCapabilityRow> = model_capability::Entity::find()
        .filter(one_of(backend, owner, capability_ids.iter().copied()))
        .filter(one_of(backend, link, model_ids))
        .into_partial_model::<ModelCapabilityRow>()
        .all(db)
        .await?
        .into_iter()
        .map(|l| ((l.capability_id, l.model_id), l))
        .collect();
    Ok(group(newest.into_iter().filter_map(|(capability, model)| {
        let link = links.remove(&(capability, model.id))?;
        Some((capability, (link, model)))
    })))
}

/// Each dataset's models, newest first (at most [`MAX_REVERSE_LIST`]).
pub async fn models_of_datasets(
    db: &impl ConnectionTrait,
    audience: Audience,
    dataset_ids: &[i32],
) -> ServiceResult<HashMap<i32, Vec<ModelRow>>> {
    let (link, owner) = (model_dataset::Column::ModelId, model_dataset::Column::DatasetId);
    let select = linked_models(db.get_database_backend(), audience, link, owner, dataset_ids);
    Ok(group(owned(newest_of_each_owner(db, select, owner, None).await?)))
}
