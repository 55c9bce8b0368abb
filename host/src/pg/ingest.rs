//! The write path: each bar file is upserted into `market_data` in one transaction.
//!
//! Rows stream from the validating file reader into a binary `COPY` to a temporary staging table,
//! then one `INSERT … ON CONFLICT DO UPDATE` merges them. A bad row aborts the `COPY`, the
//! transaction rolls back, and nothing of that file is written. The last write wins, `created_at`
//! keeps the first insert's time, and rows whose values did not change are not rewritten, so
//! ingesting the same file twice leaves the table as it was.

use std::path::{Path, PathBuf};
use std::time::Instant;

use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::Type;
use postgres::{Client, Transaction};
use thiserror::Error;

use crate::bars_file::{self, BarFileError, FileDefaults};
use crate::pg::PgTimestamp;

/// What ingesting one file did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestReport {
    pub path: PathBuf,
    /// Valid rows read from the file.
    pub rows: u64,
    /// Rows inserted or changed; the rest were already stored with the same values.
    pub written: u64,
}

#[derive(Debug, Error)]
pub enum IngestError {
    #[error(transparent)]
    File(#[from] BarFileError),
    #[error("{}: no bars (expected at least one row after the header)", path.display())]
    Empty { path: PathBuf },
    #[error("no market_data table in this database (run `candlewick migrate` first)")]
    NoTable,
    #[error(
        "database role {role:?} may not write market_data ({why}): ingest needs a role with INSERT and \
         UPDATE on it; the read-only role is for `candlewick run` and the other readers"
    )]
    ReadOnly { role: String, why: &'static str },
    #[error("{}: writing to the database", path.display())]
    Database { path: PathBuf, source: postgres::Error },
}

const STAGING_DDL: &str = "CREATE TEMPORARY TABLE candlewick_staging (\
     symbol text, timeframe text, \"timestamp\" timestamptz, open_price float8, high_price float8, \
     low_price float8, close_price float8, volume int8) ON COMMIT DROP";

const STAGING_TYPES: [Type; 8] = [
    Type::TEXT,
    Type::TEXT,
    Type::TIMESTAMPTZ,
    Type::FLOAT8,
    Type::FLOAT8,
    Type::FLOAT8,
    Type::FLOAT8,
    Type::INT8,
];

/// Rows whose values equal the stored ones are skipped by the `WHERE`, so a re-ingest neither
/// rewrites nor bloats the table.
const MERGE: &str = "INSERT INTO market_data AS m \
     (symbol, timeframe, \"timestamp\", open_price, high_price, low_price, close_price, volume) \
     SELECT symbol, timeframe, \"timestamp\", open_price, high_price, low_price, close_price, volume \
     FROM candlewick_staging \
     ON CONFLICT (symbol, timeframe, \"timestamp\") DO UPDATE SET \
     open_price = EXCLUDED.open_price, high_price = EXCLUDED.high_price, low_price = EXCLUDED.low_price, \
     close_price = EXCLUDED.close_price, volume = EXCLUDED.volume \
     WHERE (m.open_price, m.high_price, m.low_price, m.close_price, m.volume) \
     IS DISTINCT FROM (EXCLUDED.open_price, EXCLUDED.high_price, EXCLUDED.low_price, EXCLUDED.close_price, EXCLUDED.volume)";

/// Upserts every bar of `path` in one transaction, or nothing when any row is invalid.
pub fn ingest_file(
    client: &mut Client,
    path: &Path,
    defaults: &FileDefaults,
) -> Result<IngestReport, IngestError> {
    let records = bars_file::read(path, defaults)?;
    let db = |source| IngestError::Database { path: path.to_owned(), source };
    // Before the file is read: a role or session that cannot write fails at once, by name.
    let row = client
        .query_one(
            "SELECT to_regclass('market_data')::text, current_user::text, \
                    current_setting('transaction_read_only') = 'on', \
                    to_regclass('market_data') IS NOT NULL \
                    AND has_table_privilege('market_data', 'INSERT') \
                    AND has_table_privilege('market_data', 'UPDATE')",
            &[],
        )
        .map_err(db)?;
    let (table, role, read_only, may_write): (Option<String>, String, bool, bool) =
        (row.get(0), row.get(1), row.get(2), row.get(3));
    if table.is_none() {
        return Err(IngestError::NoTable);
    }
    if read_only {
        return Err(IngestError::ReadOnly { role, why: "the session is read-only" });
    }
    if !may_write {
        return Err(IngestError::ReadOnly { role, why: "it lacks INSERT or UPDATE on the table" });
    }
    let started = Instant::now();
    let mut transaction = client.transaction().map_err(db)?;
    transaction.batch_execute(STAGING_DDL).map_err(db)?;
    let rows = copy_to_staging(&mut transaction, records, db)?;
    if rows == 0 {
        return Err(IngestError::Empty { path: path.to_owned() });
    }
    let copied = started.elapsed();
    let written = transaction.execute(MERGE, &[]).map_err(db)?;
    transaction.commit().map_err(db)?;
    tracing::debug!(path = %path.display(), rows, written, ?copied, merged = ?started.elapsed() - copied, "ingested");
    Ok(IngestReport { path: path.to_owned(), rows, written })
}

/// Streams validated records into the staging table; returns the row count. On a bad record the
/// writer is dropped unfinished, which aborts the `COPY`.
fn copy_to_staging(
    transaction: &mut Transaction<'_>,
    records: bars_file::BarRecords,
    db: impl Fn(postgres::Error) -> IngestError,
) -> Result<u64, IngestError> {
    let sink = transaction.copy_in("COPY candlewick_staging FROM STDIN (FORMAT binary)").map_err(&db)?;
    let mut writer = BinaryCopyInWriter::new(sink, &STAGING_TYPES);
    let mut rows = 0;
    for record in records {
        let record = record?;
        let bar = &record.bar;
        writer
            .write(&[
                &record.symbol.as_str(),
                &record.timeframe.as_str(),
                &PgTimestamp(bar.ts),
                &bar.open,
                &bar.high,
                &bar.low,
                &bar.close,
                &bar.volume,
            ])
            .map_err(&db)?;
        rows += 1;
    }
    writer.finish().map_err(db)?;
    Ok(rows)
}
