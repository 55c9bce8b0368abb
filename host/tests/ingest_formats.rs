//! `candlewick ingest` of the files researchers have: the `--format` presets on vendor-shaped
//! fixtures (`tests/fixtures/vendors/`), the reading flags, and their bad values. Every expected
//! row is computed by hand from the fixture's text.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch, TimestampSecondArray};
use candlewick_testdb::TestDb;
use support::{repo_path, stderr, stdout};
use tempfile::TempDir;

fn vendor(name: &str) -> PathBuf {
    repo_path(&format!("tests/fixtures/vendors/{name}"))
}

fn ingest(db: &TestDb, file: &Path, flags: &[&str]) -> Output {
    let mut args = vec!["ingest", file.to_str().unwrap()];
    args.extend_from_slice(flags);
    args.extend_from_slice(&["--database-url", db.url()]);
    support::run(&args)
}

fn ingested(db: &TestDb, file: &Path, flags: &[&str]) -> String {
    let output = ingest(db, file, flags);
    assert_eq!(output.status.code(), Some(0), "{}{}", stdout(&output), stderr(&output));
    stdout(&output)
}

/// Every stored row: symbol, timeframe, UTC time, prices and volume, as PostgreSQL prints them.
fn stored(db: &TestDb) -> Vec<String> {
    db.client()
        .query(
            "SELECT concat_ws(',', symbol, timeframe, to_char(timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), \
             open_price, high_price, low_price, close_price, volume) FROM market_data ORDER BY symbol, timeframe, timestamp",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

fn write(dir: &TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn binance_klines_read_epoch_ms_and_refuse_fractional_volume_until_scaled() {
    let db = support::migrated_db();
    let file = vendor("binance_klines_BTCUSDT_1h.csv");
    let flags = ["--format", "binance", "--symbol", "BTCUSDT", "--timeframe", "1h"];
    let refused = ingest(&db, &file, &flags);
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(
        stderr(&refused),
        format!(
            "error: ingesting (nothing was written): {}: line 1: volume: 715.05777964 is not a whole number (volume is \
             stored as one: give --volume-scale N to store volume × N, or --volume-round to round it)\n",
            file.display()
        )
    );
    assert_eq!(support::count_rows(&db), 0);

    let out = ingested(&db, &file, &[&flags[..], &["--volume-scale", "100000000"]].concat());
    assert!(
        out.contains(": 3 rows, 3 written, 0 unchanged; volumes stored × 100000000 (--volume-scale)"),
        "{out}"
    );
    assert!(
        out.contains("; timestamps read as epoch milliseconds (detected at line 1; --epoch to choose)"),
        "{out}"
    );
    // 1709251200000 ms = 2024-03-01T00:00:00Z; 715.05777964 × 1e8 = 71505777964.
    assert_eq!(
        stored(&db),
        [
            "BTCUSDT,1h,2024-03-01 00:00:00,61130.98,61400,61050.01,61380.55,71505777964",
            "BTCUSDT,1h,2024-03-01 01:00:00,61380.55,61500,61200,61250.1,51250000000",
            "BTCUSDT,1h,2024-03-01 02:00:00,61250.1,61300,61000,61100,60000000000",
        ]
    );
}

const EURUSD_H1: [&str; 3] = [
    "EURUSD,1h,2024-01-02 00:00:00,1.1042,1.1048,1.1039,1.1045,1234",
    "EURUSD,1h,2024-01-02 01:00:00,1.1045,1.105,1.104,1.1041,987",
    "EURUSD,1h,2024-01-02 02:00:00,1.1041,1.1043,1.103,1.1035,1502",
];

#[test]
fn metatrader_4_history_with_or_without_a_header() {
    let db = support::migrated_db();
    let flags = ["--format", "mt4", "--symbol", "EURUSD", "--timeframe", "1h"];
    ingested(&db, &vendor("mt4_EURUSD60.csv"), &flags);
    assert_eq!(stored(&db), EURUSD_H1);

    let dir = TempDir::new().unwrap();
    let text = std::fs::read_to_string(vendor("mt4_EURUSD60.csv")).unwrap();
    let with_header =
        write(&dir, "mt4_header.csv", &format!("Date,Time,Open,High,Low,Close,Volume\r\n{text}"));
    let out = ingested(&db, &with_header, &flags);
    assert!(out.contains(": 3 rows, 0 written, 3 unchanged"), "{out}");
    // Without the preset too: a `Date` and a `Time` header are joined, and dotted dates parse.
    let out = ingested(&db, &with_header, &["--symbol", "EURUSD", "--timeframe", "1h"]);
    assert!(out.contains(": 3 rows, 0 written, 3 unchanged"), "{out}");
}

#[test]
fn metatrader_5_export_is_tab_separated_with_tick_volume() {
    let db = support::migrated_db();
    ingested(
        &db,
        &vendor("mt5_EURUSD_H1.csv"),
        &["--format", "mt5", "--symbol", "EURUSD", "--timeframe", "1h"],
    );
    assert_eq!(stored(&db), EURUSD_H1);
}

#[test]
fn dukascopy_gmt_time_with_rounded_volumes() {
    let db = support::migrated_db();
    let flags = ["--format", "dukascopy", "--symbol", "EURUSD", "--timeframe", "1h", "--volume-round"];
    let out = ingested(&db, &vendor("dukascopy_EURUSD_Candlestick_1_Hour_BID.csv"), &flags);
    assert!(out.contains(": 3 rows, 3 written, 0 unchanged; 3 volume(s) rounded (--volume-round)"), "{out}");
    // 1234.56 → 1235, 987.25 → 987, 1502.5 → 1503 (ties away from zero).
    let expected: Vec<String> = EURUSD_H1
        .iter()
        .zip(["1235", "987", "1503"])
        .map(|(row, volume)| format!("{},{volume}", &row[..row.rfind(',').unwrap()]))
        .collect();
    assert_eq!(stored(&db), expected);
}

const SPY_DAILY: [&str; 3] = [
    "SPY,1d,2024-01-02 00:00:00,472.160004,473.670013,470.48999,472.649994,123623700",
    "SPY,1d,2024-01-03 00:00:00,470.429993,471.190002,468.170013,468.790009,103585900",
    "SPY,1d,2024-01-04 00:00:00,468.299988,470.959991,467.049988,467.279999,84232200",
];

/// New York daily Parquet (pandas, tz-aware), as 05:00Z instants in the given zone.
fn write_daily_parquet(path: &Path, zone: &str) {
    let seconds = [1_704_171_600i64, 1_704_258_000, 1_704_344_400]; // 2024-01-02..04T05:00:00Z
    let prices = |values: [f64; 3]| Arc::new(Float64Array::from(values.to_vec())) as ArrayRef;
    let batch = RecordBatch::try_from_iter([
        ("Open", prices([472.160004, 470.429993, 468.299988])),
        ("High", prices([473.670013, 471.190002, 470.959991])),
        ("Low", prices([470.48999, 468.170013, 467.049988])),
        ("Close", prices([472.649994, 468.790009, 467.279999])),
        ("Volume", Arc::new(Int64Array::from(vec![123_623_700, 103_585_900, 84_232_200])) as ArrayRef),
        ("Date", Arc::new(TimestampSecondArray::from(seconds.to_vec()).with_timezone(zone)) as ArrayRef),
    ])
    .unwrap();
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(std::fs::File::create(path).unwrap(), batch.schema(), None)
            .unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

/// A daily bar is stored at UTC midnight of its date, whether the file says `2024-01-02`,
/// `2024-01-02 00:00:00-05:00`, or holds New York instants in Parquet.
#[test]
fn yahoo_yfinance_and_new_york_parquet_daily_bars_land_on_one_timestamp() {
    let db = support::migrated_db();
    let flags = ["--format", "yahoo", "--symbol", "SPY", "--timeframe", "1d"];
    ingested(&db, &vendor("yahoo_SPY.csv"), &flags);
    assert_eq!(stored(&db), SPY_DAILY);
    let out = ingested(&db, &vendor("yfinance_SPY.csv"), &flags);
    assert!(out.contains(": 3 rows, 0 written, 3 unchanged"), "{out}");

    let dir = TempDir::new().unwrap();
    let new_york = dir.path().join("spy_ny.parquet");
    write_daily_parquet(&new_york, "America/New_York");
    let out = ingested(&db, &new_york, &["--symbol", "SPY", "--timeframe", "1d"]);
    assert!(out.contains(": 3 rows, 0 written, 3 unchanged"), "{out}");

    // The same instants in a UTC column are 05:00 on their date: refused, naming the flag.
    let utc = dir.path().join("spy_utc.parquet");
    write_daily_parquet(&utc, "UTC");
    let refused = ingest(&db, &utc, &["--symbol", "SPY", "--timeframe", "1d"]);
    assert_eq!(
        stderr(&refused),
        format!(
            "error: ingesting (nothing was written): {}: row 1: timestamp: a 1d bar at 2024-01-02T05:00:00Z is \
             2024-01-02T05:00:00 in UTC, not midnight (a 1d bar is stored at UTC midnight of its date: give --tz with \
             the zone whose dates the file's bars carry)\n",
            utc.display()
        )
    );
    let out = ingested(&db, &utc, &["--symbol", "SPY", "--timeframe", "1d", "--tz", "America/New_York"]);
    assert!(out.contains(": 3 rows, 0 written, 3 unchanged"), "{out}");
    assert_eq!(stored(&db), SPY_DAILY);
}

#[test]
fn stooq_dates_and_times_combine() {
    let db = support::migrated_db();
    ingested(
        &db,
        &vendor("stooq_aapl.us.txt"),
        &["--format", "stooq", "--symbol", "AAPL", "--timeframe", "1d"],
    );
    assert_eq!(
        stored(&db),
        [
            "AAPL,1d,2024-01-02 00:00:00,187.15,188.44,183.89,185.64,82488700",
            "AAPL,1d,2024-01-03 00:00:00,184.22,185.88,183.43,184.25,58414500",
            "AAPL,1d,2024-01-04 00:00:00,182.15,183.09,180.88,181.91,71983600",
        ]
    );
}

#[test]
fn histdata_eastern_standard_time_is_utc_minus_five() {
    let db = support::migrated_db();
    let flags = ["--format", "histdata", "--symbol", "EURUSD", "--timeframe", "1m"];
    ingested(&db, &vendor("DAT_ASCII_EURUSD_M1_202401.csv"), &flags);
    // 17:00 EST = 22:00Z.
    assert_eq!(
        stored(&db),
        [
            "EURUSD,1m,2024-01-02 22:00:00,1.10427,1.10429,1.10425,1.10427,0",
            "EURUSD,1m,2024-01-02 22:01:00,1.10427,1.10431,1.10426,1.1043,0",
            "EURUSD,1m,2024-01-02 22:02:00,1.1043,1.1043,1.1042,1.10421,0",
        ]
    );
}

#[test]
fn semicolons_are_detected_and_said() {
    let db = support::migrated_db();
    let dir = TempDir::new().unwrap();
    let file = write(
        &dir,
        "semi.csv",
        "timestamp;open;high;low;close;volume\n2024-01-02 00:00;1.1;1.2;1.0;1.15;7\n",
    );
    let out = ingested(&db, &file, &["--symbol", "X", "--timeframe", "1h"]);
    assert!(
        out.contains(": 1 rows, 1 written, 0 unchanged; delimiter ';' (detected; --delimiter to choose)"),
        "{out}"
    );
    assert_eq!(stored(&db), ["X,1h,2024-01-02 00:00:00,1.1,1.2,1,1.15,7"]);

    // A separator outside the candidates: the message says so and names the flag.
    let colons = write(&dir, "colons.csv", "timestamp:open:high:low:close\n2024-01-02:1:2:0.5:1\n");
    let refused = ingest(&db, &colons, &["--symbol", "X", "--timeframe", "1d"]);
    let err = stderr(&refused);
    assert!(err.contains("found 1 column(s) \"timestamp:open:high:low:close\""), "{err}");
    assert!(err.trim_end().ends_with("every line is one field: if its fields are separated by something other than ',', give --delimiter"), "{err}");
    let out = ingested(&db, &colons, &["--symbol", "X", "--timeframe", "1d", "--delimiter", ":"]);
    assert!(out.contains(": 1 rows, 1 written"), "{out}");
}

#[test]
fn columns_by_position_with_a_strftime_format_and_a_zone() {
    let db = support::migrated_db();
    let dir = TempDir::new().unwrap();
    // S&P-style US dates, no header, prices after an ignored column; 09:30 in New York (EST) = 14:30Z.
    let file = write(
        &dir,
        "us.csv",
        "x,1/2/2024 9:30,4745.2,4754.33,4722.67,4742.83\nx,1/3/2024 9:30,4725.07,4729.29,4699.71,4704.81\n",
    );
    let flags = [
        "--no-header",
        "--columns",
        "_,timestamp,open,high,low,close",
        "--timestamp-format",
        "%m/%d/%Y %H:%M",
        "--tz",
        "America/New_York",
        "--symbol",
        "SPX",
        "--timeframe",
        "1h",
    ];
    ingested(&db, &file, &flags);
    assert_eq!(
        stored(&db),
        [
            "SPX,1h,2024-01-02 14:30:00,4745.2,4754.33,4722.67,4742.83,0",
            "SPX,1h,2024-01-03 14:30:00,4725.07,4729.29,4699.71,4704.81,0",
        ]
    );
}

#[test]
fn date_and_time_columns_are_named_by_flags() {
    let db = support::migrated_db();
    let dir = TempDir::new().unwrap();
    let file = write(&dir, "dt.csv", "Day,Clock,open,high,low,close\n2024-01-02,13:15,1,2,0.5,1.5\n");
    let flags = ["--date-column", "Day", "--time-column", "2", "--symbol", "X", "--timeframe", "15m"];
    ingested(&db, &file, &flags);
    assert_eq!(stored(&db), ["X,15m,2024-01-02 13:15:00,1,2,0.5,1.5,0"]);
}

#[test]
fn pandas_unnamed_index_and_integer_epochs_in_parquet() {
    let db = support::migrated_db();
    let dir = TempDir::new().unwrap();
    // df.to_csv() of a frame with an unnamed DatetimeIndex: the header's first field is empty.
    let csv = write(&dir, "pandas.csv", ",open,high,low,close\n2024-01-02 00:00:00+00:00,1,2,0.5,1.5\n");
    ingested(&db, &csv, &["--symbol", "X", "--timeframe", "1h"]);
    // Parquet with pandas' index column last, holding epoch seconds as int64.
    let path = dir.path().join("epoch.parquet");
    let column = |v: f64| Arc::new(Float64Array::from(vec![v])) as ArrayRef;
    let batch = RecordBatch::try_from_iter([
        ("open", column(1.0)),
        ("high", column(2.0)),
        ("low", column(0.5)),
        ("close", column(1.5)),
        ("__index_level_0__", Arc::new(Int64Array::from(vec![1_704_157_200i64])) as ArrayRef),
    ])
    .unwrap();
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), batch.schema(), None)
            .unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    let out = ingested(&db, &path, &["--symbol", "X", "--timeframe", "1h"]);
    assert!(out.contains("timestamps read as epoch seconds (detected at row 1; --epoch to choose)"), "{out}");
    // 1704157200 s = 2024-01-02T01:00:00Z.
    assert_eq!(
        stored(&db),
        ["X,1h,2024-01-02 00:00:00,1,2,0.5,1.5,0", "X,1h,2024-01-02 01:00:00,1,2,0.5,1.5,0"]
    );
}

#[test]
fn a_missing_column_lists_the_columns_found_and_the_flags() {
    let db = support::migrated_db();
    let file = vendor("binance_klines_BTCUSDT_1h.csv");
    let refused = ingest(&db, &file, &["--symbol", "BTCUSDT", "--timeframe", "1h"]);
    let err = stderr(&refused);
    assert!(err.starts_with(&format!("error: ingesting (nothing was written): {}: missing column(s) timestamp, open, high, low, close (expected", file.display())), "{err}");
    assert!(err.contains("found 12 column(s) \"1709251200000\", \"61130.98000000\""), "{err}");
    assert!(err.contains("name them with --columns NAME=HEADER, or pick a --format: binance, mt4, mt5, dukascopy, yahoo, stooq, histdata)"), "{err}");
    let refused = ingest(&db, &file, &["--no-header", "--symbol", "BTCUSDT", "--timeframe", "1h"]);
    assert!(
        stderr(&refused).contains("found 12 unnamed column(s), no header; name them in order with --columns"),
        "{}",
        stderr(&refused)
    );
}

/// Each bad flag value: one line naming the flag and the value, and nothing written.
#[test]
fn bad_flag_values_are_one_line_errors_naming_the_flag() {
    let db = support::migrated_db();
    let dir = TempDir::new().unwrap();
    let file = write(&dir, "bars.csv", "timestamp,open,high,low,close\n2024-01-02,1,2,0.5,1\n");
    let cases: [(&[&str], &str); 8] = [
        (
            &["--format", "ninjatrader"],
            "invalid value 'ninjatrader' for '--format <NAME>': unknown format \"ninjatrader\" (expected one of binance, mt4",
        ),
        (
            &["--timestamp-format", "%Y-%m-%d %Q"],
            "invalid value '%Y-%m-%d %Q' for '--timestamp-format <FORMAT>': invalid strftime format \"%Y-%m-%d %Q\"",
        ),
        (
            &["--timestamp-format", "%H:%M"],
            "invalid value '%H:%M' for '--timestamp-format <FORMAT>': strftime format \"%H:%M\" has no day",
        ),
        (
            &["--tz", "Mars/Olympus"],
            "invalid value 'Mars/Olympus' for '--tz <NAME>': unknown time zone \"Mars/Olympus\" (expected an IANA name",
        ),
        (
            &["--epoch", "msec"],
            "invalid value 'msec' for '--epoch <UNIT>': unknown epoch unit \"msec\" (expected one of s, ms, us, ns)",
        ),
        (&["--delimiter", "::"], "invalid value '::' for '--delimiter <CHAR>': \"::\" is not one character"),
        (
            &["--volume-scale", "0"],
            "invalid value '0' for '--volume-scale <N>': \"0\" is not a whole number >= 1",
        ),
        (
            &["--columns", "timestamp,opne"],
            "invalid value 'timestamp,opne' for '--columns <LIST>': unknown column \"opne\"",
        ),
    ];
    for (flags, expected) in cases {
        let output = ingest(&db, &file, &[flags, &["--symbol", "X", "--timeframe", "1d"]].concat());
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(64), "{flags:?}: {err}");
        assert!(err.starts_with(&format!("error: {expected}")), "{flags:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{flags:?}: {err}");
    }
    let output =
        ingest(&db, &file, &["--columns", "timestamp=1,volume=13", "--symbol", "X", "--timeframe", "1d"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        format!(
            "error: ingesting (nothing was written): {}: --columns: volume=13 is past the row (the file's first line \
             has 5 fields)\n",
            file.display()
        )
    );
    assert_eq!(support::count_rows(&db), 0);
}

/// The README shows every flag `ingest --help` lists.
#[test]
fn the_readme_shows_every_ingest_flag() {
    let help = stdout(&support::run(&["ingest", "--help"]));
    let readme = std::fs::read_to_string(repo_path("README.md")).unwrap();
    let flags: Vec<&str> = help
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|word| word.starts_with("--") && word.len() > 2)
        .map(|word| word.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()))
        .filter(|flag| *flag != "--help")
        .collect();
    assert!(flags.contains(&"--tick-sequence") && flags.len() > 15, "{flags:?}");
    for flag in flags {
        assert!(readme.contains(flag), "README.md does not show {flag}");
    }
}
