//! Read replicas: where anonymous reads may go instead of the primary (`DATABASE_URL`).

use clap::Args;

#[derive(Args, Clone, Debug, Default)]
#[command(next_help_heading = "Read replicas")]
pub struct ReplicaSettings {
    /// A Postgres read replica of `DATABASE_URL` for anonymous reads; repeat the flag, or
    /// separate URLs with commas in the variable (percent-encode a comma in a password). Writes,
    /// editors' reads, the limit store and LISTEN stay on the primary. Empty: every read goes to
    /// the primary.
    #[arg(long = "database-read-url", env = "DATABASE_READ_URL", value_delimiter = ',')]
    pub database_read_urls: Vec<String>,

    /// How long, in milliseconds, a replica that failed is left alone before it is tried again
    /// (by a background check, never by a client's read).
    #[arg(long, env = "AI_TRACKER_REPLICA_REST_MS", default_value_t = 5_000)]
    pub replica_rest_ms: u64,
}

impl ReplicaSettings {
    /// The replica URLs given, without blanks (`DATABASE_READ_URL=` means none).
    pub fn urls(&self) -> impl Iterator<Item = &str> {
        self.database_read_urls.iter().map(|u| u.trim()).filter(|u| !u.is_empty())
    }

    pub fn rest(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.replica_rest_ms.max(1))
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Only {
        #[command(flatten)]
        replicas: ReplicaSettings,
    }

    #[test]
    fn replicas_are_repeated_or_comma_separated() {
        let repeated =
            Only::parse_from(["x", "--database-read-url", "postgres://a/db", "--database-read-url", "postgres://b/db"]);
        assert_eq!(repeated.replicas.urls().collect::<Vec<_>>(), ["postgres://a/db", "postgres://b/db"]);
        let listed = Only::parse_from(["x", "--database-read-url", "postgres://a/db, postgres://b/db,"]);
        assert_eq!(listed.replicas.urls().collect::<Vec<_>>(), ["postgres://a/db", "postgres://b/db"]);
        let none = Only::parse_from(["x", "--database-read-url", ""]);
        assert_eq!(none.replicas.urls().count(), 0);
        assert_eq!(none.replicas.rest(), std::time::Duration::from_secs(5));
    }
}
