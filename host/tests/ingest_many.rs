//! `candlewick ingest` of many files, files with bad rows, and ticks that share a microsecond,
//! through the binary against real PostgreSQL.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use candlewick_testdb::TestDb;
use support::{stderr, stdout};
use tempfile::TempDir;

fn write(dir: &TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn ingest(db: &TestDb, files: &[&Path], flags: &[&str]) -> Output {
    let mut args = vec!["ingest"];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    args.extend_from_slice(flags);
    args.extend_from_slice(&["--database-url", db.url()]);
    support::run(&args)
}

/// Stored (time with µs, close) pairs, in time order.
fn closes(db: &TestDb) -> Vec<(String, f64)> {
    db.client()
        .query(
            "SELECT to_char(timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), close_price FROM market_data \
             ORDER BY timestamp",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

const HEADER: &str = "timestamp,open,high,low,close\n";

#[test]
fn a_bad_file_among_many_fails_alone_and_the_summary_lists_each() {
    let db = support::migrated_db();
    let dir = TempDir::new().unwrap();
    let a = write(&dir, "a.csv", &format!("{HEADER}2024-01-02,1,2,0.5,1.5\n"));
    let b = write(&dir, "b.csv", &format!("{HEADER}2024-01-03,1,2,0.5,1.5\n2024-01-04,1,2,0.5,oops\n"));
    let c = write(&dir, "c.csv", &format!("{HEADER}2024-01-05,1,2,0.5,1.5\n"));
    let output = ingest(&db, &[&a, &b, &c, &a], &["--symbol", "X", "--timeframe", "1d"]);
    assert_eq!(output.status.code(), Some(1));
    let lines: Vec<String> =
        stdout(&output).lines().map(|l| l[..l.rfind(" (").unwrap_or(l.len())].to_owned()).collect();
    assert_eq!(
        lines,
        [
            format!("{}: 1 rows, 1 written, 0 unchanged", a.display()),
            format!(
                "{}: failed, nothing of it written: {}: line 3: close: expected a number, got \"oops\"",
                b.display(),
                b.display()
            ),
            format!("{}: 1 rows, 1 written, 0 unchanged", c.display()),
            format!(
                "{}: 1 rows, 0 written, 1 unchanged; 1 kept their stored volume (none in the file)",
                a.display()
            ),
            "files: 3 ingested, 1 failed".to_owned(),
        ]
    );
    assert_eq!(
        stderr(&output),
        format!(
            "error: ingesting: 1 of 4 files failed and nothing of them was written (the others were): {}\n",
            b.display()
        )
    );
    assert_eq!(closes(&db).len(), 2, "a and c, not b");
}

#[test]
fn skip_bad_rows_writes_the_good_ones_and_reports_each_bad_one() {
    let db = support::migrated_db();
    let dir = TempDir::new().unwrap();
    let text = format!(
        "{HEADER}2024-01-02,1,2,0.5,1.5\n2024-01-03,1,2,0.5,oops\n2024-01-04,1,2\n2024-13-05,1,2,0.5,1.5\n2024-01-06,1,2,0.5,1.6\n"
    );
    let bars = write(&dir, "bars.csv", &text);
    let report = dir.path().join("skipped.csv");
    let output = ingest(
        &db,
        &[&bars],
        &["--symbol", "X", "--timeframe", "1d", "--skip-bad-rows", report.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains(&format!(
            ": 2 rows, 2 written, 0 unchanged; 3 bad row(s) skipped (listed in {})",
            report.display()
        )),
        "{}",
        stdout(&output)
    );
    assert_eq!(
        closes(&db),
        [("2024-01-02 00:00:00.000000".to_owned(), 1.5), ("2024-01-06 00:00:00.000000".to_owned(), 1.6)]
    );
    let file = bars.display();
    assert_eq!(
        std::fs::read_to_string(&report).unwrap(),
        format!(
            "file,location,field,reason\n\
             {file},line 3,close,\"expected a number, got \"\"oops\"\"\"\n\
             {file},line 4,,\"3 fields (expected 5, as in the first line)\"\n\
             {file},line 5,timestamp,\"invalid timestamp \"\"2024-13-05\"\" (expected RFC 3339 such as \
             2024-01-02T03:04:05Z, YYYY-MM-DD[ HH:MM[:SS]], an integer epoch, or the format given with \
             --timestamp-format or --format)\"\n"
        )
    );
}

/// Trades in one millisecond (the SPY tick sample has up to 28): refused by name, or spread by
/// +1 µs each in file order with `--tick-sequence`.
#[test]
fn ticks_in_one_microsecond_are_refused_or_spread_in_file_order() {
    let db = support::migrated_db();
    let dir = TempDir::new().unwrap();
    let ticks = write(
        &dir,
        "ticks.csv",
        "timestamp,open,high,low,close,volume\n\
         2013-10-07T13:30:00.001Z,167.41,167.41,167.41,167.41,100\n\
         2013-10-07T13:30:00.001Z,167.42,167.42,167.42,167.42,200\n\
         2013-10-07T13:30:00.001Z,167.43,167.43,167.43,167.43,300\n\
         2013-10-07T13:30:00.001002Z,167.44,167.44,167.44,167.44,400\n\
         2013-10-07T13:30:00.002Z,167.45,167.45,167.45,167.45,500\n",
    );
    let flags = ["--symbol", "SPY", "--timeframe", "tick"];
    let refused = ingest(&db, &[&ticks], &flags);
    assert_eq!(
        stderr(&refused),
        format!(
            "error: ingesting (nothing was written): {}: line 3: duplicate key (SPY, tick, 2013-10-07T13:30:00.001Z) \
             first seen at line 2 (several ticks in one microsecond: --tick-sequence spreads them by 1 µs each, in \
             file order)\n",
            ticks.display()
        )
    );
    let output = ingest(&db, &[&ticks], &[&flags[..], &["--tick-sequence"]].concat());
    assert!(
        stdout(&output)
            .contains("; 3 tick(s) moved by 1 µs steps after a tick at the same time (--tick-sequence)"),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    // .001, .001 → .001001, .001 → .001002, .001002 → .001003 (after the moved one), .002 stays.
    let expected = [
        ("2013-10-07 13:30:00.001000", 167.41),
        ("2013-10-07 13:30:00.001001", 167.42),
        ("2013-10-07 13:30:00.001002", 167.43),
        ("2013-10-07 13:30:00.001003", 167.44),
        ("2013-10-07 13:30:00.002000", 167.45),
    ];
    assert_eq!(closes(&db), expected.map(|(ts, close)| (ts.to_owned(), close)));

    let backwards = write(
        &dir,
        "backwards.csv",
        "timestamp,open,high,low,close\n2013-10-07T13:30:00.002Z,1,1,1,1\n2013-10-07T13:30:00.001Z,1,1,1,1\n",
    );
    let refused = ingest(&db, &[&backwards], &[&flags[..], &["--tick-sequence"]].concat());
    assert!(
        stderr(&refused).contains(
            "line 3: timestamp: tick at 2013-10-07T13:30:00.001Z is before the previous one at \
             2013-10-07T13:30:00.002Z (--tick-sequence expects ticks in time order)"
        ),
        "{}",
        stderr(&refused)
    );
}
