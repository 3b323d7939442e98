//! The PostgreSQL pool and the forward-only migrations in `district/migrations/`.

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

/// Every migration, oldest first; each runs once, in its own transaction.
pub const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init", include_str!("../migrations/0001_init.sql")),
    (
        "0002_exports",
        include_str!("../migrations/0002_exports.sql"),
    ),
    (
        "0003_registry_by_centre",
        include_str!("../migrations/0003_registry_by_centre.sql"),
    ),
    ("0004_staff", include_str!("../migrations/0004_staff.sql")),
    (
        "0005_exports_append_only",
        include_str!("../migrations/0005_exports_append_only.sql"),
    ),
    (
        "0006_payments",
        include_str!("../migrations/0006_payments.sql"),
    ),
    (
        "0007_day_care",
        include_str!("../migrations/0007_day_care.sql"),
    ),
    (
        "0008_absences",
        include_str!("../migrations/0008_absences.sql"),
    ),
    (
        "0009_pickup_lists",
        include_str!("../migrations/0009_pickup_lists.sql"),
    ),
    (
        "0010_meals_and_closings",
        include_str!("../migrations/0010_meals_and_closings.sql"),
    ),
    ("0011_cards", include_str!("../migrations/0011_cards.sql")),
    ("0012_merges", include_str!("../migrations/0012_merges.sql")),
    (
        "0013_moved_away",
        include_str!("../migrations/0013_moved_away.sql"),
    ),
];

/// A pool on `database_url` (a libpq URL or key=value string), over TLS when its
/// `sslmode` asks for it (`pgtls`).
pub fn pool(database_url: &str, size: usize) -> Result<Pool, PoolSetupError> {
    let connection = crate::pgtls::connection(database_url)?;
    let manager_config = ManagerConfig {
        recycling_method: RecyclingMethod::Fast,
    };
    let manager = match connection.tls {
        None => Manager::from_config(connection.config, NoTls, manager_config),
        Some(tls) => Manager::from_config(
            connection.config,
            tokio_postgres_rustls::MakeRustlsConnect::new(tls),
            manager_config,
        ),
    };
    Ok(Pool::builder(manager).max_size(size).build()?)
}

/// Brings the schema up to date. Safe to run from several instances at once: an
/// advisory lock lets one migrate while the others wait and then find nothing to do.
pub async fn migrate(pool: &Pool) -> Result<Vec<String>, DbError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    // The number is "LINLI" in ASCII: any constant works, as long as it is ours.
    tx.execute("SELECT pg_advisory_xact_lock(76737876)", &[])
        .await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             name text PRIMARY KEY,
             applied_at timestamptz NOT NULL DEFAULT now()
         )",
    )
    .await?;
    let mut applied = Vec::new();
    for (name, sql) in MIGRATIONS {
        let done = tx
            .query_opt("SELECT 1 FROM schema_migrations WHERE name = $1", &[name])
            .await?
            .is_some();
        if !done {
            tx.batch_execute(sql).await?;
            tx.execute("INSERT INTO schema_migrations (name) VALUES ($1)", &[name])
                .await?;
            applied.push((*name).to_string());
        }
    }
    tx.commit().await?;
    Ok(applied)
}

/// Why no pool can be made: the connection string cannot be used, or the pool
/// cannot be built from it.
#[derive(Debug, thiserror::Error)]
pub enum PoolSetupError {
    #[error(transparent)]
    Connection(#[from] crate::pgtls::ConnectionError),
    #[error(transparent)]
    Build(#[from] deadpool_postgres::BuildError),
}

/// A database failure: a statement's, or the pool's when it cannot give a connection.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Pg(#[from] tokio_postgres::Error),
    #[error(transparent)]
    Pool(#[from] deadpool_postgres::PoolError),
}

impl DbError {
    /// Whether PostgreSQL asks us to try the transaction again (serialization
    /// failure or deadlock between two batches); the work is then retried whole.
    pub fn is_retryable(&self) -> bool {
        use tokio_postgres::error::SqlState;
        matches!(
            self,
            DbError::Pg(error) if matches!(
                error.code(),
                Some(code) if *code == SqlState::T_R_SERIALIZATION_FAILURE
                    || *code == SqlState::T_R_DEADLOCK_DETECTED
            )
        )
    }
}

/// Whether PostgreSQL refused a statement because of the data in it (a value out of
/// range, a constraint, a limit such as an index row too large): an event's content,
/// not the district's health. Such an event is rejected alone (`push`).
pub fn is_content_error(error: &tokio_postgres::Error) -> bool {
    error.code().is_some_and(|code| {
        let class = &code.code()[..2];
        // 22 data exception, 23 integrity constraint violation, 54 program limit.
        matches!(class, "22" | "23" | "54")
    })
}

impl DbError {
    pub fn is_content_error(&self) -> bool {
        matches!(self, DbError::Pg(error) if is_content_error(error))
    }
}

/// Takes the next cursor of the changes feed. The counter row stays locked until the
/// caller's transaction ends, which is what keeps cursors in commit order.
pub async fn next_cursor(
    tx: &tokio_postgres::Transaction<'_>,
) -> Result<i64, tokio_postgres::Error> {
    let row = tx
        .query_one(
            "UPDATE change_counter SET last = last + 1 RETURNING last",
            &[],
        )
        .await?;
    Ok(row.get(0))
}

/// Appends one change to the feed.
pub async fn add_change(
    tx: &tokio_postgres::Transaction<'_>,
    centre_code: Option<&str>,
    device_id: Option<uuid::Uuid>,
    body: &linli_core::sync::ChangeBody,
) -> Result<i64, tokio_postgres::Error> {
    let cursor = next_cursor(tx).await?;
    let json = serde_json::to_value(body).expect("changes serialise");
    let kind = json["type"].as_str().unwrap_or_default().to_string();
    tx.execute(
        "INSERT INTO changes (cursor, centre_code, device_id, kind, body) VALUES ($1, $2, $3, $4, $5)",
        &[&cursor, &centre_code, &device_id, &kind, &json],
    )
    .await?;
    Ok(cursor)
}
