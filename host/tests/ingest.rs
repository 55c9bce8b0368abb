//! `candlewick ingest` against real PostgreSQL: upserts, idempotence, all-or-nothing files, and
//! missing values that never overwrite stored ones.

mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray, TimestampMillisecondArray};
use candlewick::bars_file::{FileDefaults, ReadOptions, VolumePolicy};
use candlewick::domain::{Fields, Symbol, SymbolSet, TimeRange, Timeframe};
use candlewick::pg::ingest::{IngestError, ingest_file, ingest_file_with};
use candlewick::reader::{MarketDataReader, MemoryMarketDataReader, RangeRequest};
use candlewick_testdb::TestDb;
use tempfile::TempDir;

const HEADER: &str = "timestamp,open,high,low,close,volume\n";

fn write(dir: &TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn eurusd_1h() -> FileDefaults {
    FileDefaults {
        symbol: Some(Symbol::new("EURUSD").unwrap()),
        timeframe: Some(Timeframe::Hour1),
        only_where_missing: false,
    }
}

/// Every stored row as text, for before/after comparisons.
fn table(db: &TestDb) -> Vec<String> {
    db.client()
        .query(
            "SELECT concat_ws(',', symbol, timeframe, timestamp AT TIME ZONE 'UTC', open_price, high_price, \
             low_price, close_price, volume, created_at) FROM market_data ORDER BY symbol, timeframe, timestamp",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

fn ingest(
    db: &TestDb,
    path: &Path,
    defaults: &FileDefaults,
) -> Result<candlewick::pg::ingest::IngestReport, IngestError> {
    ingest_file(&mut db.client(), path, defaults)
}

const THREE_BARS: &str = "timestamp,open,high,low,close,volume\n\
    2024-01-02T00:00:00Z,1.10,1.12,1.09,1.11,100\n\
    2024-01-02T01:00:00Z,1.11,1.13,1.10,1.12,\n\
    2024-01-02T02:00:00Z,1.12,1.14,1.11,1.13,300\n";

#[test]
fn ingest_writes_every_row_and_reingest_changes_nothing() {
    let db = support::migrated_db();
    let dir = TempDir::new().unwrap();
    let path = write(&dir, "bars.csv", THREE_BARS);
    let first = ingest(&db, &path, &eurusd_1h()).unwrap();
    assert_eq!((first.rows, first.written), (3, 3));
    let stored = table(&db);
    assert_eq!(stored.len(), 3);
    assert!(stored[0].starts_with("EURUSD,1h,2024-01-02 00:00:00,1.1,1.12,1.09,1.11,100,"), "{}", stored[0]);
    assert!(stored[1].contains(",1.12,0,"), "an empty volume is 0: {}", stored[1]);

    let second = ingest(&db, &path, &eurusd_1h()).unwrap();
    assert_eq!((second.rows, second.written), (3, 0));
    assert_eq!(table(&db), stored, "same rows, same values, same created_at");
}

#[test]
fn last_write_wins_and_created_at_is_kept() {
    let db = support::migrated_db();
    let dir = TempDir::new().unwrap();
    ingest(&db, &write(&dir, "a.csv", THREE_BARS), &eurusd_1h()).unwrap();
    let created: Vec<String> = db
        .client()
        .query("SELECT created_at::text FROM market_data ORDER BY timestamp", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let changed = THREE_BARS.replace("1.12,1.14,1.11,1.13,300", "1.12,1.15,1.11,1.14,333");
    let report = ingest(&db, &write(&dir, "b.csv", &changed), &eurusd_1h()).unwrap();
    assert_eq!(report.written, 1, "only the changed row is rewritten");
    let row = db
        .client()
        .query_one("SELECT close_price, volume, created_at::text FROM market_data WHERE timestamp = '2024-01-02T02:00:00Z'", &[])
        .unwrap();
    assert_eq!((row.get::<_, f64>(0), row.get::<_, i64>(1)), (1.14, 333));
    assert_eq!(row.get::<_, String>(2), created[2]);
}

/// One bad value per case: the error names the file, line and field, and nothing is written.
#[test]
fn a_bad_row_aborts_the_file_and_writes_nothing() {
    let db = support::migrated_db();
    let dir = TempDir::new().unwrap();
    ingest(
        &db,
        &write(&dir, "seed.csv", "timestamp,open,high,low,close\n2020-01-01,1,2,0.5,1.5\n"),
        &eurusd_1h(),
    )
    .unwrap();
    let before = table(&db);
    let good = "2024-01-02T00:00:00Z,1.10,1.12,1.09,1.11,100\n";
    let cases = [
        (
            "bad_ts.csv",
            "2024-13-02T00:00:00Z,1.10,1.12,1.09,1.11,100\n",
            "line 3: timestamp: invalid timestamp \"2024-13-02T00:00:00Z\"",
        ),
        (
            "nan.csv",
            "2024-01-03T00:00:00Z,NaN,1.12,1.09,1.11,100\n",
            "line 3: open: expected a finite price, got NaN",
        ),
        (
            "inf.csv",
            "2024-01-03T00:00:00Z,1.1,inf,1.09,1.11,100\n",
            "line 3: high: expected a finite price, got inf",
        ),
        (
            "text.csv",
            "2024-01-03T00:00:00Z,1.1,1.12,abc,1.11,100\n",
            "line 3: low: expected a number, got \"abc\"",
        ),
        (
            "inverted.csv",
            "2024-01-03T00:00:00Z,1.1,1.0,1.2,1.1,100\n",
            "line 3: high: high 1 is below low 1.2 (expected high >= low)",
        ),
        (
            "negative.csv",
            "2024-01-03T00:00:00Z,1.1,1.12,1.09,1.11,-5\n",
            "line 3: volume: expected a whole number >= 0, got -5",
        ),
        (
            "fraction.csv",
            "2024-01-03T00:00:00Z,1.1,1.12,1.09,1.11,2.5\n",
            "line 3: volume: 2.5 is not a whole number (volume is stored as one: give --volume-scale N",
        ),
        (
            "duplicate.csv",
            good,
            "line 3: duplicate key (EURUSD, 1h, 2024-01-02T00:00:00Z) first seen at line 2",
        ),
        (
            "short.csv",
            "2024-01-03T00:00:00Z,1.1,1.12\n",
            "line 3: 3 fields (expected 6, as in the first line)",
        ),
    ];
    for (name, bad_line, expected) in cases {
        let path = write(&dir, name, &format!("{HEADER}{good}{bad_line}{good}"));
        let err = ingest(&db, &path, &eurusd_1h()).unwrap_err();
        let message = err.to_string();
        assert!(message.starts_with(&format!("{}: {expected}", path.display())), "{name}: {message}");
        assert_eq!(table(&db), before, "{name} wrote nothing");
    }

    // A huge line: one field of 2 MB. The message quotes the start of it and its size, on a line.
    let huge = format!("2024-01-03T00:00:00Z,1.1,1.12,1.09,{},100\n", "9x".repeat(1_000_000));
    let path = write(&dir, "huge.csv", &format!("{HEADER}{good}{huge}{good}"));
    let message = ingest(&db, &path, &eurusd_1h()).unwrap_err().to_string();
    let expected = format!("{}: line 3: close: expected a number, got \"9x9x", path.display());
    assert!(message.starts_with(&expected), "{}", &message[..message.len().min(300)]);
    assert!(
        message.ends_with("… (2000000 bytes)") && message.len() < 300,
        "{}",
        &message[..message.len().min(300)]
    );
    assert_eq!(table(&db), before, "huge.csv wrote nothing");
}

#[test]
fn an_unknown_timeframe_column_value_is_rejected_by_line() {
    let db = support::migrated_db();
    let dir = TempDir::new().unwrap();
    let text = "symbol,timeframe,timestamp,open,high,low,close\nSPY,1d,2024-01-02,1,2,0.5,1\nSPY,1D,2024-01-03,1,2,0.5,1\n";
    let path = write(&dir, "tf.csv", text);
    let err = ingest(&db, &path, &FileDefaults::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: line 3: timeframe: unknown timeframe \"1D\" (expected one of tick, 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w, 1M)",
            path.display()
        )
    );
    assert_eq!(support::count_rows(&db), 0);
}

#[test]
fn file_layout_errors_name_what_is_missing() {
    let db = support::migrated_db();
    let dir = TempDir::new().unwrap();
    let cases: [(&str, &str, FileDefaults, &str); 5] = [
        (
            "empty.csv",
            "",
            eurusd_1h(),
            "empty file (expected a header line with timestamp, open, high, low, close)",
        ),
        ("header_only.csv", HEADER, eurusd_1h(), "no bars (expected at least one row after the header)"),
        (
            "no_close.csv",
            "timestamp,open,high,low\n2024-01-01,1,2,0,1\n",
            eurusd_1h(),
            "missing column(s) close",
        ),
        (
            "no_symbol.csv",
            THREE_BARS,
            FileDefaults { timeframe: Some(Timeframe::Hour1), ..FileDefaults::default() },
            "no symbol column and no --symbol given",
        ),
        (
            "both.csv",
            "symbol,timestamp,open,high,low,close\nX,2024-01-01,1,2,0,1\n",
            eurusd_1h(),
            "has a symbol column and --symbol was given",
        ),
    ];
    for (name, text, defaults, expected) in cases {
        let path = write(&dir, name, text);
        let err = ingest(&db, &path, &defaults).unwrap_err().to_string();
        assert!(err.starts_with(&format!("{}: {expected}", path.display())), "{name}: {err}");
    }
    assert_eq!(support::count_rows(&db), 0);
}

#[test]
fn ingest_without_a_table_says_to_migrate() {
    let db = TestDb::new();
    let dir = TempDir::new().unwrap();
    let err = ingest(&db, &write(&dir, "a.csv", THREE_BARS), &eurusd_1h()).unwrap_err();
    assert!(matches!(err, IngestError::NoTable), "{err}");
    assert!(err.to_string().contains("run `candlewick migrate` first"));
}

#[test]
fn timestamps_with_offsets_are_stored_in_utc_and_naive_ones_are_utc() {
    let db = support::migrated_db();
    let dir = TempDir::new().unwrap();
    let text = "time,open_price,high_price,low_price,close_price\n2024-01-02T05:00:00+05:00,1,2,0.5,1\n2024-01-02 01:00:00,1,2,0.5,1\n";
    ingest(&db, &write(&dir, "tz.csv", text), &eurusd_1h()).unwrap();
    let stamps: Vec<String> = db
        .client()
        .query("SELECT to_char(timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM market_data ORDER BY timestamp", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(stamps, ["2024-01-02 00:00", "2024-01-02 01:00"]);
}

fn write_parquet(path: &Path, volume: ArrayRef) {
    let millis = [1_704_153_600_000i64, 1_704_157_200_000];
    let batch = RecordBatch::try_from_iter([
        ("symbol", Arc::new(StringArray::from(vec!["SPY", "SPY"])) as ArrayRef),
        ("timeframe", Arc::new(StringArray::from(vec!["1h", "1h"])) as ArrayRef),
        (
            "timestamp",
            Arc::new(TimestampMillisecondArray::from(millis.to_vec()).with_timezone("UTC")) as ArrayRef,
        ),
        ("open", Arc::new(Float64Array::from(vec![470.0, 471.0])) as ArrayRef),
        ("high", Arc::new(Float64Array::from(vec![472.0, 473.0])) as ArrayRef),
        ("low", Arc::new(Float64Array::from(vec![469.0, 470.5])) as ArrayRef),
        ("close", Arc::new(Float64Array::from(vec![471.0, 472.5])) as ArrayRef),
        ("volume", volume),
    ])
    .unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

#[test]
fn parquet_files_ingest_like_csv_and_read_the_same_from_memory() {
    let db = support::migrated_db();
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("spy.parquet");
    write_parquet(&path, Arc::new(Int64Array::from(vec![Some(1000), None])));
    let report = ingest(&db, &path, &FileDefaults::default()).unwrap();
    assert_eq!((report.rows, report.written), (2, 2));

    let settings = candlewick::pg::ConnectionSettings::parse(db.url()).unwrap();
    let from_db = candlewick::reader::PgMarketDataReader::connect(&settings, &Default::default()).unwrap();
    let from_file = MemoryMarketDataReader::from_file(&path, &FileDefaults::default()).unwrap();
    let request = RangeRequest {
        symbol: Symbol::new("SPY").unwrap(),
        timeframe: Timeframe::Hour1,
        range: TimeRange::all(),
        fields: Fields::ALL,
    };
    let bars = from_db.range(&request).unwrap();
    assert_eq!(bars.ts, [1_704_153_600_000_000, 1_704_157_200_000_000]);
    assert_eq!(bars.volume, [1000, 0], "a null volume is 0");
    assert_eq!(from_file.range(&request).unwrap(), bars);
    let symbols = SymbolSet::parse(&["SPY"]).unwrap();
    assert_eq!(
        from_file.latest(&symbols, Timeframe::Hour1, candlewick::domain::Timestamp::MAX).unwrap(),
        from_db.latest(&symbols, Timeframe::Hour1, candlewick::domain::Timestamp::MAX).unwrap()
    );
}

#[test]
fn parquet_value_errors_name_the_row() {
    let db = support::migrated_db();
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("bad.parquet");
    write_parquet(&path, Arc::new(Float64Array::from(vec![10.0, 1.5])));
    let err = ingest(&db, &path, &FileDefaults::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: row 2: volume: 1.5 is not a whole number (volume is stored as one: give --volume-scale N to store \
             volume × N, or --volume-round to round it)",
            path.display()
        )
    );
    assert_eq!(support::count_rows(&db), 0);
}

#[test]
fn repeated_keys_are_found_in_unsorted_and_interleaved_files() {
    let dir = TempDir::new().unwrap();
    let interleaved = "symbol,timeframe,timestamp,open,high,low,close\n\
        A,1h,2024-01-02T02:00:00Z,1,2,0,1\nB,1h,2024-01-02T02:00:00Z,1,2,0,1\n\
        A,1h,2024-01-02T01:00:00Z,1,2,0,1\nA,4h,2024-01-02T02:00:00Z,1,2,0,1\n";
    let path = write(&dir, "interleaved.csv", interleaved);
    let reader = MemoryMarketDataReader::from_file(&path, &FileDefaults::default())
        .expect("same timestamps, other series");
    assert_eq!(reader.summary().unwrap().len(), 3);

    let repeated =
        format!("{interleaved}B,1h,2024-01-02T03:00:00Z,1,2,0,1\nA,1h,2024-01-02T02:00:00Z,1,2,0,1\n");
    let path = write(&dir, "repeated.csv", &repeated);
    let err = MemoryMarketDataReader::from_file(&path, &FileDefaults::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: line 7: duplicate key (A, 1h, 2024-01-02T02:00:00Z) first seen at line 2",
            path.display()
        )
    );
}

/// The stored volume of each row, in time order.
fn volumes(db: &TestDb) -> Vec<i64> {
    db.client()
        .query("SELECT volume FROM market_data ORDER BY timestamp", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// Missing is not zero: bars stored with a volume, then the same bars with the volume left
/// empty or without the column, keep their volume; a new bar without one gets 0.
#[test]
fn a_missing_csv_volume_never_overwrites_a_stored_one() {
    let db = support::migrated_db();
    let dir = TempDir::new().unwrap();
    let known = "timestamp,open,high,low,close,volume\n\
        2024-01-02,472.16,473.67,470.49,472.65,178108\n\
        2024-01-03,470.43,471.19,468.17,468.79,200000\n";
    ingest(&db, &write(&dir, "known.csv", known), &eurusd_1h_daily()).unwrap();
    let created = table(&db);

    let empty = "timestamp,open,high,low,close,volume\n\
        2024-01-02,472.16,473.67,470.49,472.65,\n\
        2024-01-03,470.43,471.19,468.17,468.80,\n\
        2024-01-04,468.30,470.96,467.05,467.28,\n";
    let report = ingest(&db, &write(&dir, "empty.csv", empty), &eurusd_1h_daily()).unwrap();
    assert_eq!((report.rows, report.written, report.volumes_kept), (3, 2, 2), "{report:?}");
    assert_eq!(volumes(&db), [178_108, 200_000, 0], "kept, kept with a new close, new row at 0");
    assert_eq!(table(&db)[0], created[0], "the unchanged row is not rewritten");

    let no_column = "timestamp,open,high,low,close\n2024-01-02,472.16,473.67,470.49,472.65\n";
    let report = ingest(&db, &write(&dir, "no_column.csv", no_column), &eurusd_1h_daily()).unwrap();
    assert_eq!((report.rows, report.written, report.volumes_kept), (1, 0, 1));
    assert_eq!(volumes(&db), [178_108, 200_000, 0]);

    // A volume given, even 0, is a value: the last write wins.
    let zero = "timestamp,open,high,low,close,volume\n2024-01-02,472.16,473.67,470.49,472.65,0\n";
    let report = ingest(&db, &write(&dir, "zero.csv", zero), &eurusd_1h_daily()).unwrap();
    assert_eq!((report.written, report.volumes_kept), (1, 0));
    assert_eq!(volumes(&db), [0, 200_000, 0]);
}

fn eurusd_1h_daily() -> FileDefaults {
    FileDefaults { timeframe: Some(Timeframe::Day1), ..eurusd_1h() }
}

/// The measured loss of issue 15: Parquet with volume 178,108, then the same bars with the
/// volume null (pandas writes NaN as null).
#[test]
fn a_null_parquet_volume_never_overwrites_a_stored_one() {
    let db = support::migrated_db();
    let dir = TempDir::new().unwrap();
    let first = dir.path().join("first.parquet");
    write_parquet(&first, Arc::new(Float64Array::from(vec![Some(178_108.0), Some(99.0)])));
    ingest(&db, &first, &FileDefaults::default()).unwrap();
    let nulls = dir.path().join("nulls.parquet");
    write_parquet(&nulls, Arc::new(Float64Array::from(vec![None, None])));
    let report = ingest(&db, &nulls, &FileDefaults::default()).unwrap();
    assert_eq!((report.rows, report.written, report.volumes_kept), (2, 0, 2), "{report:?}");
    assert_eq!(volumes(&db), [178_108, 99]);
}

#[test]
fn fractional_volumes_scale_or_round_by_choice() {
    let db = support::migrated_db();
    let dir = TempDir::new().unwrap();
    let text =
        "timestamp,open,high,low,close,volume\n2024-01-02,1,2,0.5,1,715.05777964\n2024-01-03,1,2,0.5,1,0.5\n";
    let path = write(&dir, "crypto.csv", text);
    let scaled = ReadOptions {
        volume: VolumePolicy { scale: Some(100_000_000), round: false },
        ..ReadOptions::default()
    };
    let report = ingest_file_with(&mut db.client(), &path, &eurusd_1h_daily(), &scaled).unwrap();
    assert_eq!((report.rows, report.volumes_rounded), (2, 0));
    assert_eq!(volumes(&db), [71_505_777_964, 50_000_000]);
    let rounded = ReadOptions { volume: VolumePolicy { scale: None, round: true }, ..ReadOptions::default() };
    let report = ingest_file_with(&mut db.client(), &path, &eurusd_1h_daily(), &rounded).unwrap();
    assert_eq!(report.volumes_rounded, 2);
    assert_eq!(volumes(&db), [715, 1], "0.5 rounds away from zero");
}
