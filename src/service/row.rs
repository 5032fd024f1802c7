//! Rows read by column position.
//!
//! sea-orm's derived `FromQueryResult` reads each value by its column's name, and the driver
//! finds a name by hashing it: a catalog page reads about 6,000 values, and the lookups were 6 %
//! of the page's instructions. A partial model selects its columns in the order of its
//! fields (`into_partial_model`), so its rows can be read by position instead: that is what
//! [`read_by_position!`] declares, for every partial model of ours.

use sea_orm::prelude::{Date, DateTimeUtc};
use sea_orm::{DbErr, QueryResult, TryGetable, sqlx};

use crate::domain::Vocabulary;

/// Declares a partial model (a `DerivePartialModel` struct with `from_query_result = "false"`)
/// and reads its rows by position: the n-th field from the n-th selected column.
///
/// The struct is written inside the macro, so the order of the reads is the order of the
/// fields, which is the order in which `into_partial_model` selects the columns. A read under a
/// prefix (a nested or joined partial model, whose columns are found by name) is refused with
/// an error rather than read from the wrong columns.
macro_rules! read_by_position {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $($(#[$field_meta:meta])* $field_vis:vis $field:ident : $ty:ty),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $($(#[$field_meta])* $field_vis $field: $ty),+
        }

        impl $name {
            /// How many columns a row takes.
            #[allow(dead_code)]
            pub const COLUMNS: usize = [$(stringify!($field)),+].len();

            /// The row from the columns from `first` on (a select may read two rows side by side).
            #[allow(dead_code)]
            pub fn read_from(res: &sea_orm::QueryResult, first: usize) -> Result<Self, sea_orm::DbErr> {
                let mut column = first..;
                Ok($name {
                    $($field: $crate::service::row::column(res, column.next().expect("an unbounded range"))?),+
                })
            }
        }

        impl sea_orm::FromQueryResult for $name {
            fn from_query_result(res: &sea_orm::QueryResult, pre: &str) -> Result<Self, sea_orm::DbErr> {
                if !pre.is_empty() {
                    return Err(sea_orm::DbErr::Type(format!(
                        "{} is read by column position and cannot be read under the prefix {pre:?}",
                        stringify!($name)
                    )));
                }
                Self::read_from(res, 0)
            }
        }
    };
}

pub(crate) use read_by_position;

/// A field type that [`read_by_position!`] can read.
pub trait Column: Sized {
    /// The value of column `index` of `res`.
    fn read(res: &QueryResult, index: usize) -> Result<Self, DbErr>;
}

/// The value of column `index` of `res` as a `T`.
pub fn column<T: Column>(res: &QueryResult, index: usize) -> Result<T, DbErr> {
    T::read(res, index)
}

/// The plain types of our partial models' fields, each also as `Option` (SQL NULL).
macro_rules! plain_columns {
    ($($ty:ty),+ $(,)?) => {
        $(
            impl Column for $ty {
                fn read(res: &QueryResult, index: usize) -> Result<Self, DbErr> {
                    plain(res, index)
                }
            }

            impl Column for Option<$ty> {
                fn read(res: &QueryResult, index: usize) -> Result<Self, DbErr> {
                    plain(res, index)
                }
            }
        )+
    };
}

plain_columns!(i32, f64, bool, String, Date, DateTimeUtc);

/// A vocabulary is read as its stored text, then parsed: text that names no value is a
/// `DbErr` (a bug or a bad migration), never a panic.
impl<V: Vocabulary> Column for V {
    fn read(res: &QueryResult, index: usize) -> Result<Self, DbErr> {
        V::try_from_value(&String::read(res, index)?)
    }
}

impl<V: Vocabulary> Column for Option<V> {
    fn read(res: &QueryResult, index: usize) -> Result<Self, DbErr> {
        Option::<String>::read(res, index)?.map(|text| V::try_from_value(&text)).transpose()
    }
}

/// A value the driver decodes itself.
///
/// On Postgres, release builds decode it without sqlx's check that the column's type suits
/// `T`: the columns are typed by our own migrations, and the check (a comparison of type
/// descriptions per value) was a tenth of a catalog page's instructions. Debug builds, and so
/// every test run, keep the check, so a field whose type does not suit its column is a
/// `DbErr` the tests on Postgres meet at once rather than a wrong value or a panic in
/// production. SQLite reads through sea-orm, checked, as everywhere else.
fn plain<T>(res: &QueryResult, index: usize) -> Result<T, DbErr>
where
    T: TryGetable + for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    match res.try_as_pg_row() {
        #[cfg(debug_assertions)]
        Some(row) => sqlx::Row::try_get(row, index).map_err(|e| DbErr::Type(e.to_string())),
        #[cfg(not(debug_assertions))]
        Some(row) => sqlx::Row::try_get_unchecked(row, index).map_err(|e| DbErr::Type(e.to_string())),
        None => Ok(res.try_get_by_index(index)?),
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Database, Statement};

    use super::column;
    use crate::domain::Access;

    #[tokio::test]
    async fn a_vocabulary_reads_its_text_and_refuses_unknown_text() {
        let db = Database::connect("sqlite::memory:").await.unwrap();
        let sql = "SELECT 'open_weights', 'Open weights', NULL";
        let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
        assert_eq!(column::<Access>(&row, 0).unwrap(), Access::OpenWeights);
        assert!(column::<Access>(&row, 1).is_err(), "unknown text is an error, not a panic");
        assert_eq!(column::<Option<Access>>(&row, 2).unwrap(), None);
    }
}
