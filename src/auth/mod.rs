//! Who is calling: password hashing (argon2id) and editor tokens (JWT, HS256). Knows nothing of
//! the database, GraphQL or HTTP; `service::editors` decides whether a verified token still
//! belongs to an active editor.

pub mod password;
pub mod token;

pub use token::{Claims, TokenKeys};
