//! The versioned schema: `migrations/V{n}__{what}.sql`, embedded at build time and applied by
//! refinery, which records each applied version in [`HISTORY_TABLE`].
//!
//! Applying twice changes nothing, and V1 adopts a `market_data` table the replaced system made.

use postgres::Client;
use thiserror::Error;

mod embedded {
    refinery::embed_migrations!("../migrations");
}

/// The table where refinery records applied migrations.
pub const HISTORY_TABLE: &str = "candlewick_schema_history";

/// What a migrate run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationReport {
    /// Migrations applied by this run, as `V{n}__{name}`.
    pub applied: Vec<String>,
    /// The schema's version after the run.
    pub version: Option<i32>,
}

#[derive(Debug, Error)]
#[error("applying migrations")]
pub struct MigrateError(#[source] refinery::Error);

/// Applies every migration not yet recorded, each in its own transaction.
pub fn migrate(client: &mut Client) -> Result<MigrationReport, MigrateError> {
    let report = embedded::migrations::runner()
        .set_migration_table_name(HISTORY_TABLE)
        .run(client)
        .map_err(MigrateError)?;
    let applied =
        report.applied_migrations().iter().map(|m| format!("V{}__{}", m.version(), m.name())).collect();
    let version = embedded::migrations::runner()
        .set_migration_table_name(HISTORY_TABLE)
        .get_last_applied_migration(client)
        .map_err(MigrateError)?
        .map(|m| m.version());
    Ok(MigrationReport { applied, version })
}
