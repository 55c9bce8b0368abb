//! The write path: each bar file is upserted into `market_data` in one transaction.
//!
//! Rows stream from the validating file reader into a binary `COPY` to a temporary staging table,
//! then one `INSERT … ON CONFLICT DO UPDATE` merges them. A bad row aborts the `COPY`, the
//! transaction rolls back, and nothing of that file is written. The last write wins, `created_at`
//! keeps the first insert's time, and rows whose values did not change are not rewritten, so
//! ingesting the same file twice leaves the table as it was.
//!
//! Missing is not zero: a row whose file gave no volume (no column, an empty field, a null) is
//! staged with a null volume. Before the merge those take the stored row's volume, so a re-ingest
//! never erases a known volume; a row that is new gets 0, as in the replaced system.

use std::path::{Path, PathBuf};
use std::time::Instant;

use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::Type;
use postgres::{Client, Transaction};
use thiserror::Error;

use crate::bars_file::{self, BarFileError, Column, FileDefaults, Location, ReadOptions};
use crate::pg::PgTimestamp;

/// What ingesting one file did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestReport {
    pub path: PathBuf,
    /// Valid rows read from the file.
    pub rows: u64,
    /// Rows inserted or changed; the rest were already stored with the same values.
    pub written: u64,
    /// Rows without a volume in the file whose stored volume was kept.
    pub volumes_kept: u64,
    /// Rows whose volume `--volume-round` rounded.
    pub volumes_rounded: u64,
    /// Rows set aside by `--skip-bad-rows`, in file order.
    pub skipped: Vec<SkippedRow>,
    /// What the reader detected (a delimiter, an epoch unit) or changed (ticks moved).
    pub notes: Vec<String>,
}

/// A row `--skip-bad-rows` left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRow {
    pub location: Location,
    /// The field at fault; `None` when the row as a whole is (its number of fields).
    pub field: Option<Column>,
    pub reason: String,
}

#[derive(Debug, Error)]
pub enum IngestError {
    #[error(transparent)]
    File(#[from] BarFileError),
    #[error("{}: no bars (expected at least one row after the header)", path.display())]
    Empty { path: PathBuf },
    #[error(
        "no market_data table in this database on its search_path (run `candlewick migrate` first, with the same URL)"
    )]
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

/// Staged rows without a volume take the stored row's, found by one primary-key probe each (a
/// join could pick a scan of `market_data`: the staging table has no statistics). Answers the
/// number of volumes kept.
const KEEP_VOLUMES: &str = "WITH kept AS (UPDATE candlewick_staging AS s SET volume = \
     (SELECT m.volume FROM market_data AS m WHERE m.symbol = s.symbol AND m.timeframe = s.timeframe \
      AND m.\"timestamp\" = s.\"timestamp\") \
     WHERE s.volume IS NULL RETURNING s.volume) \
     SELECT count(*) FROM kept WHERE volume IS NOT NULL";

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
     SELECT symbol, timeframe, \"timestamp\", open_price, high_price, low_price, close_price, coalesce(volume, 0) \
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
    ingest_file_with(client, path, defaults, &ReadOptions::default())
}

/// [`ingest_file`] with reading options (`ingest`'s flags). With `skip_bad_rows` the file's valid
/// rows are written and the others listed in the report; without it a bad row writes nothing.
pub fn ingest_file_with(
    client: &mut Client,
    path: &Path,
    defaults: &FileDefaults,
    options: &ReadOptions,
) -> Result<IngestReport, IngestError> {
    let mut records = bars_file::read_with(path, defaults, options)?;
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
    let counts = copy_to_staging(&mut transaction, &mut records, db)?;
    if counts.rows == 0 {
        return Err(IngestError::Empty { path: path.to_owned() });
    }
    let copied = started.elapsed();
    let volumes_kept = if counts.volumes_missing > 0 {
        let kept: i64 = transaction.query_one(KEEP_VOLUMES, &[]).map_err(db)?.get(0);
        kept as u64
    } else {
        0
    };
    let written = transaction.execute(MERGE, &[]).map_err(db)?;
    transaction.commit().map_err(db)?;
    let rows = counts.rows;
    tracing::debug!(path = %path.display(), rows, written, ?copied, merged = ?started.elapsed() - copied, "ingested");
    let skipped = records
        .skipped()
        .iter()
        .filter_map(BarFileError::row_parts)
        .map(|(location, field, reason)| SkippedRow { location, field, reason: reason.to_owned() })
        .collect();
    Ok(IngestReport {
        path: path.to_owned(),
        rows,
        written,
        volumes_kept,
        volumes_rounded: counts.volumes_rounded,
        skipped,
        notes: records.notes(),
    })
}

/// Rows staged, and how many of them had no volume or a rounded one.
#[derive(Debug, Default)]
struct StagedCounts {
    rows: u64,
    volumes_missing: u64,
    volumes_rounded: u64,
}

/// Streams validated records into the staging table; returns the row count. On a bad record the
/// writer is dropped unfinished, which aborts the `COPY`.
fn copy_to_staging(
    transaction: &mut Transaction<'_>,
    records: &mut bars_file::BarRecords,
    db: impl Fn(postgres::Error) -> IngestError,
) -> Result<StagedCounts, IngestError> {
    let sink = transaction.copy_in("COPY candlewick_staging FROM STDIN (FORMAT binary)").map_err(&db)?;
    let mut writer = BinaryCopyInWriter::new(sink, &STAGING_TYPES);
    let mut counts = StagedCounts::default();
    while let Some(row) = records.next_row() {
        let row = row?;
        let record = &row.record;
        let bar = &record.bar;
        let volume = (!row.volume_missing).then_some(bar.volume);
        counts.volumes_missing += u64::from(row.volume_missing);
        counts.volumes_rounded += u64::from(row.volume_rounded);
        writer
            .write(&[
                &record.symbol.as_str(),
                &record.timeframe.as_str(),
                &PgTimestamp(bar.ts),
                &bar.open,
                &bar.high,
                &bar.low,
                &bar.close,
                &volume,
            ])
            .map_err(&db)?;
        counts.rows += 1;
    }
    writer.finish().map_err(db)?;
    Ok(counts)
}
