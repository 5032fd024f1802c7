//! Keyset pagination shared by every list: a cursor holds the row's sort-key values and its id,
//! so paging while rows are added or removed neither skips nor repeats a row. NULLs sort last in
//! both directions on both backends (`NULLS LAST`, which both speak), and text keys are the
//! byte-ordered `name_key` columns, so SQLite and Postgres page identically.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sea_orm::{
    ConnectionTrait, EntityTrait, Order, PaginatorTrait, PartialModelTrait, QueryFilter, QueryOrder, QuerySelect,
    Select,
    sea_query::{Condition, Expr, ExprTrait, NullOrdering, Value},
};
use serde_json::Value as Json;

use super::{OrderBy, ServiceError, ServiceResult};

pub const DEFAULT_PAGE_SIZE: u64 = 20;
pub const MAX_PAGE_SIZE: i32 = 100;

/// The Relay arguments as the client gave them.
#[derive(Clone, Debug, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

impl PageArgs {
    /// The page size as validated here, so callers (and the complexity limit) can rely on it.
    pub fn validated_size(&self) -> ServiceResult<u64> {
        let check = |field: &str, n: i32| {
            if (0..=MAX_PAGE_SIZE).contains(&n) {
                Ok(n as u64)
            } else {
                Err(ServiceError::bad_input(field, format!("must be between 0 and {MAX_PAGE_SIZE}")))
            }
        };
        match (self.first, self.last) {
            (Some(_), Some(_)) => Err(ServiceError::bad_input("last", "give `first` or `last`, not both")),
            (Some(n), None) => check("first", n),
            (None, Some(n)) => check("last", n),
            (None, None) => Ok(DEFAULT_PAGE_SIZE),
        }
    }
}

/// How a sort key compares and is written into a cursor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    Text,
    Integer,
    Float,
    Date,
    /// A timestamp, written into cursors as RFC 3339.
    Instant,
}

/// One ordering key: a column, how it is typed, and its direction.
#[derive(Clone, Debug)]
pub struct SortKey {
    pub column: Expr,
    pub kind: KeyKind,
    pub descending: bool,
}

/// A page of rows, each with its cursor.
pub struct Page<T> {
    pub rows: Vec<(String, T)>,
    pub has_previous_page: bool,
    pub has_next_page: bool,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl Fn(T) -> U) -> Page<U> {
        Page {
            rows: self.rows.into_iter().map(|(c, t)| (c, f(t))).collect(),
            has_previous_page: self.has_previous_page,
            has_next_page: self.has_next_page,
        }
    }
}

/// A row's values for the sort keys, as they go into a cursor.
pub type KeyValues = Vec<Json>;

pub fn encode_cursor(values: &KeyValues, id: i32) -> String {
    let mut all = values.clone();
    all.push(Json::from(id));
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&all).expect("JSON values serialize"))
}

fn decode_cursor(field: &str, cursor: &str, keys: &[SortKey]) -> ServiceResult<(Vec<Option<Value>>, i32)> {
    let invalid = || ServiceError::bad_input(field, "is not a cursor of this list and ordering");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let mut all: Vec<Json> = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if all.len() != keys.len() + 1 {
        return Err(invalid());
    }
    let id = all.pop().and_then(|v| v.as_i64()).and_then(|v| i32::try_from(v).ok()).ok_or_else(invalid)?;
    let values = keys
        .iter()
        .zip(all)
        .map(|(key, v)| match (key.kind, v) {
            (_, Json::Null) => Ok(None),
            (KeyKind::Text, Json::String(s)) => Ok(Some(Value::from(s))),
            (KeyKind::Integer, Json::Number(n)) => n.as_i64().map(|i| Some(Value::from(i))).ok_or_else(invalid),
            (KeyKind::Float, Json::Number(n)) => n.as_f64().map(|f| Some(Value::from(f))).ok_or_else(invalid),
            (KeyKind::Date, Json::String(s)) => {
                chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").map(|d| Some(Value::from(d))).map_err(|_| invalid())
            }
            (KeyKind::Instant, Json::String(s)) => chrono::DateTime::parse_from_rfc3339(&s)
                .map(|t| Some(Value::from(t.with_timezone(&chrono::Utc))))
                .map_err(|_| invalid()),
            _ => Err(invalid()),
        })
        .collect::<ServiceResult<_>>()?;
    Ok((values, id))
}

/// `key` strictly after (`forward`) or before the cursor value, in the key's own order with
/// NULLs last. `None` where nothing can be (after a NULL, nothing is later).
fn beyond(key: &SortKey, value: &Option<Value>, forward: bool) -> Option<Condition> {
    let col = key.column.clone();
    let greater = forward != key.descending;
    match (value, forward) {
        (None, true) => None,
        (None, false) => Some(Condition::all().add(col.is_not_null())),
        (Some(v), true) => {
            let cmp = if greater { col.clone().gt(v.clone()) } else { col.clone().lt(v.clone()) };
            Some(Condition::any().add(cmp).add(col.is_null()))
        }
        (Some(v), false) => Some(Condition::all().add(if greater { col.gt(v.clone()) } else { col.lt(v.clone()) })),
    }
}

fn equal(key: &SortKey, value: &Option<Value>) -> Condition {
    let col = key.column.clone();
    Condition::all().add(match value {
        None => col.is_null(),
        Some(v) => col.eq(v.clone()),
    })
}

/// Rows strictly beyond the cursor in the list's order: a lexicographic comparison over the keys
/// and finally the id (ascending).
fn beyond_cursor(keys: &[SortKey], id_col: &Expr, values: &[Option<Value>], id: i32, forward: bool) -> Condition {
    let mut any = Condition::any();
    for i in 0..=keys.len() {
        let mut branch = Condition::all();
        for (key, value) in keys[..i].iter().zip(values) {
            branch = branch.add(equal(key, value));
        }
        if i < keys.len() {
            match beyond(&keys[i], &values[i], forward) {
                Some(c) => branch = branch.add(c),
                None => continue,
            }
        } else {
            branch = branch.add(if forward { id_col.clone().gt(id) } else { id_col.clone().lt(id) });
        }
        any = any.add(branch);
    }
    any
}

/// What a list can be ordered by: for each value, the expression its rows sort on and the key's
/// kind, and the key a row gives it in a cursor.
pub trait OrderField: Copy {
    type Row;
    fn sort_key(self) -> (Expr, KeyKind);
    fn key_value(self, row: &Self::Row) -> Json;
    fn id(row: &Self::Row) -> i32;
}

/// One page of `select` in `order` (in `default` when the client gave none), then by id. Text
/// keys compare byte by byte on both backends ([`text_key`]).
pub async fn ordered<E, F, C>(
    db: &C,
    select: Select<E>,
    order: &[OrderBy<F>],
    default: &[OrderBy<F>],
    id_col: E::Column,
    args: &PageArgs,
) -> ServiceResult<Page<F::Row>>
where
    E: EntityTrait,
    F: OrderField,
    F::Row: PartialModelTrait + Send + Sync,
    C: ConnectionTrait,
{
    let order = if order.is_empty() { default } else { order };
    let backend = db.get_database_backend();
    let keys: Vec<SortKey> = order
        .iter()
        .map(|o| {
            let (column, kind) = o.field.sort_key();
            let column = if kind == KeyKind::Text { text_key(column, backend) } else { column };
            SortKey { column, kind, descending: o.descending }
        })
        .collect();
    paginate(db, select, &keys, id_col, args, |row: &F::Row| {
        (order.iter().map(|o| o.field.key_value(row)).collect(), F::id(row))
    })
    .await
}

/// Runs one page of `select` in the order of `keys` (then id), read as `R` rows (the entity's
/// model, or a partial model of it). `values_of` gives a row's key values for its cursor.
pub async fn paginate<E, R, C>(
    db: &C,
    select: Select<E>,
    keys: &[SortKey],
    id_col: E::Column,
    args: &PageArgs,
    values_of: impl Fn(&R) -> (KeyValues, i32),
) -> ServiceResult<Page<R>>
where
    E: EntityTrait,
    R: PartialModelTrait + Send + Sync,
    C: ConnectionTrait,
{
    let size = args.validated_size()?;
    let id_expr = Expr::col(id_col);
    let mut select = select;
    if let Some(after) = &args.after {
        let (values, id) = decode_cursor("after", after, keys)?;
        select = select.filter(beyond_cursor(keys, &id_expr, &values, id, true));
    }
    if let Some(before) = &args.before {
        let (values, id) = decode_cursor("before", before, keys)?;
        select = select.filter(beyond_cursor(keys, &id_expr, &values, id, false));
    }
    let backward = args.last.is_some();
    // `NULLS LAST` rather than ordering on `col IS NULL` first: Postgres can then read the
    // default order straight from an index (`idx_model_newest`) instead of sorting every row.
    for key in keys {
        let (dir, nulls) = match (backward, key.descending) {
            (false, false) => (Order::Asc, NullOrdering::Last),
            (false, true) => (Order::Desc, NullOrdering::Last),
            (true, false) => (Order::Desc, NullOrdering::First),
            (true, true) => (Order::Asc, NullOrdering::First),
        };
        select = select.order_by_with_nulls(key.column.clone(), dir, nulls);
    }
    select = select.order_by(id_expr, if backward { Order::Desc } else { Order::Asc });

    let mut rows =
        if size == 0 { Vec::new() } else { select.limit(size + 1).into_partial_model::<R>().all(db).await? };
    let more = rows.len() as u64 > size;
    rows.truncate(size as usize);
    if backward {
        rows.reverse();
    }
    let rows = rows
        .into_iter()
        .map(|row| {
            let (values, id) = values_of(&row);
            (encode_cursor(&values, id), row)
        })
        .collect();
    Ok(Page {
        rows,
        has_previous_page: if backward { more } else { args.after.is_some() },
        has_next_page: if backward { args.before.is_some() } else { more },
    })
}

/// How many rows the list has in all, whatever the page.
pub async fn total<E: EntityTrait, C: ConnectionTrait>(db: &C, select: Select<E>) -> ServiceResult<u64>
where
    E::Model: Sync,
{
    Ok(select.count(db).await?)
}

/// A text column as a sort key that orders byte by byte on both backends (Postgres would
/// otherwise use the column's locale collation).
pub fn text_key(column: Expr, backend: sea_orm::DbBackend) -> Expr {
    match backend {
        sea_orm::DbBackend::Postgres => Expr::cust_with_expr("($1 COLLATE \"C\")", column),
        _ => column,
    }
}
