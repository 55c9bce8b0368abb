//! The versioned schema: `migrations/V{n}__{what}.sql`, embedded at build time and applied by
//! refinery, which records each applied version in [`HISTORY_TABLE`]; then TimescaleDB, where
//! this database has it (`timescale.rs`).
//!
//! A run is one transaction (`transaction.rs`): it applies everything or, when any step fails,
//! leaves nothing behind, not even the history table. Applying twice changes nothing, and V1
//! adopts a `market_data` table the replaced system made.
//!
//! V1 is released, so never edited (refinery checks its checksum). Its TimescaleDB step read a
//! setting only a superuser may read; V1 now runs without that step (cut out here, by its exact
//! text) and is recorded as applied through refinery, so its checksum stays refinery's; the step
//! is `timescale.rs`'s, for every run.

mod timescale;
mod transaction;

use postgres::Client;
use refinery::Target;
use thiserror::Error;

pub use timescale::Timescale;
use transaction::InTransaction;

mod embedded {
    refinery::embed_migrations!("../migrations");
}

/// The table where refinery records applied migrations.
pub const HISTORY_TABLE: &str = "candlewick_schema_history";

/// V1's TimescaleDB step, exactly as released: it reads `shared_preload_libraries`, which fails
/// for a role that is not a superuser whenever the extension is installed on the server.
const V1_TIMESCALE_STEP: &str =
    "-- A hypertable where TimescaleDB is installed and loaded; plain PostgreSQL keeps a plain table.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')
       AND current_setting('shared_preload_libraries', true) LIKE '%timescaledb%' THEN
        CREATE EXTENSION IF NOT EXISTS timescaledb;
        EXECUTE $sql$SELECT create_hypertable('market_data', 'timestamp',
                                              if_not_exists => TRUE, migrate_data => TRUE)$sql$;
    END IF;
END
$$;
";

/// What a migrate run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationReport {
    /// Migrations applied by this run, as `V{n}__{name}`.
    pub applied: Vec<String>,
    /// The schema's version after the run.
    pub version: Option<i32>,
    /// What became of TimescaleDB.
    pub timescale: Timescale,
}

#[derive(Debug, Error)]
pub enum MigrateError {
    #[error("applying migrations")]
    Refinery(#[source] refinery::Error),
    #[error("applying {migration}")]
    Apply { migration: String, source: postgres::Error },
    #[error("migrating")]
    Database(#[source] postgres::Error),
    #[error("making market_data a TimescaleDB hypertable")]
    Timescale(#[source] postgres::Error),
}

/// Applies every migration not yet recorded, then the TimescaleDB step, in one transaction.
pub fn migrate(client: &mut Client) -> Result<MigrationReport, MigrateError> {
    let mut tx = client.transaction().map_err(MigrateError::Database)?;
    let row = tx
        .query_one(
            "SELECT to_regclass('market_data') IS NOT NULL, to_regclass($1::text) IS NOT NULL",
            &[&HISTORY_TABLE],
        )
        .map_err(MigrateError::Database)?;
    let (existing, has_history): (bool, bool) = (row.get(0), row.get(1));
    let runner = || {
        let mut runner = embedded::migrations::runner();
        runner.set_migration_table_name(HISTORY_TABLE);
        runner
    };
    let name = |m: &refinery::Migration| format!("V{}__{}", m.version(), m.name());
    let mut applied = Vec::new();
    let v1_applied = has_history
        && runner()
            .get_applied_migrations(&mut InTransaction(&mut tx))
            .map_err(MigrateError::Refinery)?
            .iter()
            .any(|m| m.version() == 1);
    if !v1_applied {
        let v1 = runner().get_migrations().iter().find(|m| m.version() == 1).expect("V1 is embedded").clone();
        tx.batch_execute(&without_timescale_step(v1.sql().expect("embedded SQL")))
            .map_err(|source| MigrateError::Apply { migration: name(&v1), source })?;
        runner()
            .set_target(Target::FakeVersion(1))
            .run(&mut InTransaction(&mut tx))
            .map_err(MigrateError::Refinery)?;
        applied.push(name(&v1));
    }
    let report = runner().run(&mut InTransaction(&mut tx)).map_err(MigrateError::Refinery)?;
    applied.extend(report.applied_migrations().iter().map(name));
    let version = runner()
        .get_last_applied_migration(&mut InTransaction(&mut tx))
        .map_err(MigrateError::Refinery)?
        .map(|m| m.version());
    let timescale = timescale::hypertable(&mut tx, existing).map_err(MigrateError::Timescale)?;
    tx.commit().map_err(MigrateError::Database)?;
    Ok(MigrationReport { applied, version, timescale })
}

/// V1's SQL without its TimescaleDB step.
fn without_timescale_step(v1: &str) -> String {
    assert!(
        v1.contains(V1_TIMESCALE_STEP),
        "V1 is released and never edited: its TimescaleDB step is as cut out"
    );
    v1.replace(V1_TIMESCALE_STEP, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_runs_without_its_timescale_step_and_nothing_else_changes() {
        let runner = embedded::migrations::runner();
        let v1 = runner.get_migrations().iter().find(|m| m.version() == 1).unwrap().sql().unwrap();
        let without = without_timescale_step(v1);
        assert!(!without.contains("shared_preload_libraries"));
        assert!(!without.contains("timescaledb"));
        assert_eq!(without.len(), v1.len() - V1_TIMESCALE_STEP.len());
        assert!(without.contains("CREATE TABLE IF NOT EXISTS market_data"));
        assert!(without.contains("CREATE INDEX %I ON market_data"));
    }
}
