//! TimescaleDB, decided from what this database says rather than from server settings: V1 read
//! `shared_preload_libraries`, which only a superuser (or a member of `pg_read_all_settings`) may
//! read, so it failed for a table owner whenever the extension was installed on the server.
//!
//! - `timescaledb` created in this database (`pg_extension`): `market_data` becomes a hypertable,
//!   converting its rows if it was a plain table;
//! - installed on the server but not created here (`pg_available_extensions`): when the server
//!   preloads it, one attempt to create it, in a savepoint; if the role may not, the table stays
//!   plain and the report says why. A server that does not preload it answers `CREATE EXTENSION
//!   timescaledb` with FATAL and drops the connection, which no savepoint survives, so it is not
//!   asked: the table stays plain and the report says so. Whether it preloads it is read from the
//!   loader's own setting `timescaledb.disable_load`, which `pg_settings` shows any role exactly
//!   when the loader is preloaded (`shared_preload_libraries` itself is for superusers only);
//! - not installed: a plain table.
//!
//! Not tested against TimescaleDB (neither these machines nor CI have it): the plain path and the
//! refusal of the attempt is not either (plain PostgreSQL has nothing to refuse); the hypertable
//! call is V1's own.

use postgres::Transaction;

/// What migrate did about TimescaleDB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Timescale {
    /// The server has no TimescaleDB: `market_data` is a plain table.
    NotInstalled,
    /// The server has it, but it is not created in this database and could not be: `market_data`
    /// stays a plain table. `reason` is the server's.
    NotCreated { reason: String },
    /// `market_data` was a hypertable already.
    Hypertable,
    /// `market_data` was made a hypertable by this run. `existing` when the table was there before
    /// the run (a plain table converted, with its `rows`), not created by it.
    Converted { existing: bool, rows: i64 },
}

/// The step that follows the migrations: `market_data` as a hypertable where TimescaleDB is
/// created (or can be) in this database. `existing`: the table was there before this run.
pub(super) fn hypertable(tx: &mut Transaction<'_>, existing: bool) -> Result<Timescale, postgres::Error> {
    let row = tx.query_one(
        "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'), \
                EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'), \
                EXISTS (SELECT 1 FROM pg_settings WHERE name = 'timescaledb.disable_load')",
        &[],
    )?;
    let (created, available, preloaded): (bool, bool, bool) = (row.get(0), row.get(1), row.get(2));
    if !created {
        if !available {
            return Ok(Timescale::NotInstalled);
        }
        if !preloaded {
            return Ok(Timescale::NotCreated { reason: NOT_PRELOADED.to_owned() });
        }
        if let Err(reason) = try_create(tx)? {
            return Ok(Timescale::NotCreated { reason });
        }
    }
    // As V1 did it, after V1's indexes, which include the time index TimescaleDB would add.
    // `created` is false when it was a hypertable already.
    let converted: bool = tx
        .query_one(
            "SELECT created FROM create_hypertable('market_data', 'timestamp', if_not_exists => TRUE, \
             migrate_data => TRUE, create_default_indexes => FALSE)",
            &[],
        )?
        .get(0);
    if !converted {
        return Ok(Timescale::Hypertable);
    }
    let rows: i64 = tx.query_one("SELECT count(*) FROM market_data", &[])?.get(0);
    Ok(Timescale::Converted { existing, rows })
}

/// Why an installed TimescaleDB is not created when the server does not preload it.
const NOT_PRELOADED: &str = "the server does not preload it: shared_preload_libraries must list timescaledb, \
                             which takes a restart";

/// `CREATE EXTENSION timescaledb` in a savepoint: `Err(reason)` when the server refused it, and
/// then nothing of the attempt remains.
fn try_create(tx: &mut Transaction<'_>) -> Result<Result<(), String>, postgres::Error> {
    let mut attempt = tx.transaction()?;
    match attempt.batch_execute("CREATE EXTENSION IF NOT EXISTS timescaledb") {
        Ok(()) => {
            attempt.commit()?;
            Ok(Ok(()))
        }
        // Dropping the savepoint's transaction rolls it back.
        Err(err) => Ok(Err(err.as_db_error().map_or_else(|| err.to_string(), |db| db.message().to_owned()))),
    }
}

impl Timescale {
    /// The line `candlewick migrate` prints about it, if any: a conversion, or why there is none
    /// where TimescaleDB is installed.
    pub fn note(&self) -> Option<String> {
        match self {
            Timescale::NotInstalled | Timescale::Hypertable => None,
            Timescale::NotCreated { reason } => Some(format!(
                "timescaledb is installed on the server but not created in this database, and could not \
                 be ({reason}): market_data stays a plain table (create the extension in this database, \
                 then run migrate again to convert it)"
            )),
            Timescale::Converted { existing: true, rows } => Some(format!(
                "converted the existing plain table market_data ({rows} rows) into a hypertable"
            )),
            Timescale::Converted { existing: false, .. } => {
                Some("created market_data as a hypertable".to_owned())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrate_says_when_it_converts_a_table_and_why_it_did_not() {
        assert_eq!(Timescale::NotInstalled.note(), None);
        assert_eq!(Timescale::Hypertable.note(), None);
        assert_eq!(
            Timescale::Converted { existing: true, rows: 6168 }.note().unwrap(),
            "converted the existing plain table market_data (6168 rows) into a hypertable"
        );
        assert_eq!(
            Timescale::Converted { existing: false, rows: 0 }.note().unwrap(),
            "created market_data as a hypertable"
        );
        let refused = Timescale::NotCreated { reason: "permission denied to create extension".into() };
        assert!(
            refused.note().unwrap().contains("(permission denied to create extension): market_data stays")
        );
    }
}
