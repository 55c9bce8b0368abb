//! The `candlewick` binary end to end: ingest, availability and latest against real PostgreSQL
//! and against a fixture file, with the errors a user sees.

mod support;

use support::{ingest_sample, run, stderr, stdout};

#[test]
fn availability_and_latest_print_tables_and_json_from_postgres() {
    let db = support::migrated_db();
    ingest_sample(db.url());

    let table = stdout(&run(&["availability", "--database-url", db.url()]));
    let row = table.lines().find(|l| l.contains("EURUSD")).expect("a row for EURUSD");
    for cell in ["1h", "6168", "2018-01-02T00:00:00Z", "2018-12-31T21:00:00Z"] {
        assert!(row.contains(cell), "{cell} in {row}");
    }

    // The table's columns are the JSON's names.
    let header: Vec<&str> =
        table.lines().nth(1).unwrap().split('┆').map(|c| c.trim_matches(['│', ' '])).collect();
    assert_eq!(header, ["symbol", "timeframe", "count", "earliest", "latest"]);

    let json: serde_json::Value =
        serde_json::from_str(&stdout(&run(&["availability", "--json", "--database-url", db.url()]))).unwrap();
    let keys: Vec<&str> = json[0].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, header, "the JSON's names are the table's, in its order");
    assert_eq!(
        json,
        serde_json::json!([{ "symbol": "EURUSD", "timeframe": "1h", "count": 6168,
            "earliest": "2018-01-02T00:00:00Z", "latest": "2018-12-31T21:00:00Z" }])
    );

    let output = run(&[
        "latest",
        "--symbols",
        "GBPUSD,EURUSD",
        "--timeframe",
        "1h",
        "--json",
        "--database-url",
        db.url(),
    ]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        json,
        serde_json::json!([{ "symbol": "EURUSD", "timeframe": "1h", "timestamp": "2018-12-31T21:00:00Z",
            "open": 1.14567, "high": 1.14687, "low": 1.145605, "close": 1.14657, "volume": 0 }]),
        "GBPUSD has no data and is left out"
    );
    assert_eq!(stderr(&output), "not found: GBPUSD (no 1h bars stored)\n", "and said to be missing");
    let table =
        stdout(&run(&["latest", "--symbols", "EURUSD", "--timeframe", "1h", "--database-url", db.url()]));
    assert!(table.contains("2018-12-31T21:00:00Z") && table.contains("1.14657"), "{table}");
}

#[test]
fn availability_reads_a_fixture_without_a_database() {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("bars.csv");
    std::fs::write(
        &path,
        "symbol,timeframe,timestamp,open,high,low,close\nSPY,1d,2024-01-02,1,2,0.5,1\nSPY,1d,2024-01-03,1,2,0.5,1\nAAPL,1d,2024-01-03,1,2,0.5,1\n",
    )
    .unwrap();
    let output = run(&["availability", "--json", "--fixture", path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let rows: Vec<(&str, u64)> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["symbol"].as_str().unwrap(), e["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(rows, [("AAPL", 1), ("SPY", 2)]);
}

#[test]
fn a_bad_ingest_file_is_one_line_error_with_nothing_written() {
    let db = support::migrated_db();
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("bad.csv");
    std::fs::write(&path, "timestamp,open,high,low,close\n2024-01-02,1,2,0.5,1\n2024-01-03,1,2,0.5,oops\n")
        .unwrap();
    let output = run(&[
        "ingest",
        path.to_str().unwrap(),
        "--symbol",
        "SPY",
        "--timeframe",
        "1d",
        "--database-url",
        db.url(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        format!(
            "error: ingesting (nothing was written): {}: line 3: close: expected a number, got \"oops\"\n",
            path.display()
        )
    );
    assert_eq!(support::count_rows(&db), 0);
}

#[test]
fn commands_without_a_source_or_with_an_unknown_timeframe_fail_clearly() {
    let output = run(&["availability"]);
    assert_ne!(output.status.code(), Some(0));
    assert!(stderr(&output).contains("--database-url"), "{}", stderr(&output));

    let output = run(&["latest", "--symbols", "SPY", "--timeframe", "1H", "--fixture", "x.csv"]);
    assert_ne!(output.status.code(), Some(0));
    assert!(
        stderr(&output).contains(r#"unknown timeframe "1H" (expected one of tick, 1m"#),
        "{}",
        stderr(&output)
    );
}

#[test]
fn usage_errors_exit_64_apart_from_failures_and_help_lists_the_codes() {
    for args in [
        &["frobnicate"][..],
        &["run"],
        &["latest", "--symbols", "SPY", "--fixture", "x.csv"],
        &["run", "--nope", "j.yaml"],
    ] {
        let output = run(args);
        assert_eq!(output.status.code(), Some(64), "{args:?}: {}", stderr(&output));
        assert!(stderr(&output).starts_with("error: "), "{args:?}: {}", stderr(&output));
    }
    // clap's suggestion stays, on the same line.
    let output = run(&["run", "j.yaml", "--shards", "0/2"]);
    assert_eq!(
        stderr(&output),
        "error: unexpected argument '--shards' found (a similar argument exists: '--shard')\n"
    );
    let output = run(&["run", "/nonexistent/job.yaml"]);
    assert_eq!(output.status.code(), Some(1), "a job that cannot run: {}", stderr(&output));

    let help = run(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    let help = stdout(&help);
    for line in [
        "0   success",
        "1   the command could not do its work",
        "2   a job ran and some of its units failed",
        "64  usage error",
    ] {
        assert!(help.contains(line), "{line:?} in --help:\n{help}");
    }
}

#[test]
fn an_unreachable_database_fails_without_showing_the_password() {
    let output =
        run(&["migrate", "--database-url", "postgresql://bob:s3cr3t@127.0.0.1:1/market?connect_timeout=2"]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.starts_with("error: connecting to postgresql://bob@127.0.0.1:1/market: "), "{err}");
    assert!(!err.contains("s3cr3t"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// Bad job files: each is one line on stderr naming the file and the field (or the line, for
/// YAML syntax), and exit 1 before anything runs.
#[test]
fn bad_job_files_fail_with_one_line_naming_the_file_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let plugin = support::plugin_wasm("indicators");
    let junk = dir.path().join("junk.wasm");
    std::fs::write(&junk, b"\0asm\x01\0\0\0 not really").unwrap();
    let good = format!(
        "symbols: [EURUSD]\ntimeframe: 1h\nstart: 2018-01-02\nend: 2018-01-31\noutput: out\nplugins:\n  - path: {}\n",
        plugin.display()
    );
    let cases: Vec<(&str, String, &str)> = vec![
        ("syntax", good.replace("symbols: [EURUSD]", "symbols: [EURUSD"), "line "),
        ("unknown-key", format!("{good}colour: red\n"), "unknown field `colour`"),
        (
            "missing-var",
            good.replace("output: out", "output: ${CW_NOT_SET_ANYWHERE}"),
            "environment variable CW_NOT_SET_ANYWHERE is not set and has no default",
        ),
        ("bad-date", good.replace("2018-01-31", "31/01/2018"), "end: invalid timestamp \"31/01/2018\""),
        (
            "start-after-end",
            good.replace("2018-01-02", "2018-03-01"),
            "start 2018-03-01T00:00:00Z is after end",
        ),
        (
            "no-plugin",
            good.replace(plugin.to_str().unwrap(), "/nowhere/missing.wasm"),
            "/nowhere/missing.wasm",
        ),
        (
            "not-a-component",
            good.replace(plugin.to_str().unwrap(), junk.to_str().unwrap()),
            "junk.wasm is not a Wasm component",
        ),
    ];
    for (name, text, expected) in cases {
        let path = dir.path().join(format!("{name}.yaml"));
        std::fs::write(&path, text).unwrap();
        let output = run(&["run", path.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(1), "{name}: {}", stderr(&output));
        let message = stderr(&output);
        assert_eq!(message.trim_end().lines().count(), 1, "{name}: one line: {message}");
        assert!(message.starts_with("error: "), "{name}: {message}");
        assert!(message.contains(expected), "{name}: expected {expected:?} in {message}");
        if !["no-plugin", "not-a-component"].contains(&name) {
            assert!(message.contains(&format!("{name}.yaml")), "{name}: names the file: {message}");
        }
        assert!(!dir.path().join("out").exists(), "{name}: nothing ran");
    }
}

/// A file that does not exist is named once, with the system's reason once, whichever command
/// reads it.
#[test]
fn a_missing_file_is_named_once_with_its_reason() {
    let db = support::migrated_db();
    let dir = tempfile::TempDir::new().unwrap();
    let nope = dir.path().join("nope.csv");
    let nope = nope.to_str().unwrap();
    let reason = "No such file or directory (os error 2)";
    let ingest = run(&["ingest", nope, "--database-url", db.url()]);
    assert_eq!(stderr(&ingest), format!("error: ingesting (nothing was written): {nope}: {reason}\n"));
    let availability = run(&["availability", "--fixture", nope]);
    assert_eq!(stderr(&availability), format!("error: {nope}: {reason}\n"));
    let test = run(&["test", support::plugin_wasm("indicators").to_str().unwrap(), "--fixture", nope]);
    assert_eq!(stderr(&test), format!("error: {nope}: {reason}\n"));
}

/// A database that was never migrated: `availability`, `latest` and `run` say so and suggest
/// `candlewick migrate`, before a job runs any unit.
#[test]
fn readers_of_a_database_without_the_table_suggest_migrate() {
    let db = candlewick_testdb::TestDb::new();
    let migrate = "no market_data table in this database on its search_path (run `candlewick migrate` first, with the same URL)";
    for args in [
        &["availability", "--database-url", db.url()][..],
        &["latest", "--symbols", "EURUSD", "--timeframe", "1h", "--database-url", db.url()],
    ] {
        let output = run(args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let text = stderr(&output);
        assert!(text.starts_with("error: ") && text.trim_end().ends_with(migrate), "{args:?}: {text}");
        assert_eq!(text.lines().count(), 1, "{text}");
    }

    let dir = tempfile::TempDir::new().unwrap();
    let job = dir.path().join("job.yaml");
    std::fs::write(
        &job,
        format!(
            "database:\n  url: ${{CW_URL}}\nsymbols: [EURUSD]\ntimeframe: 1h\nstart: 2018-03-01\n\
             end: 2018-03-31T23:00:00Z\noutput: out\ncache_dir: cache\nplugins:\n  - path: {}\n",
            support::plugin_wasm("indicators").display()
        ),
    )
    .unwrap();
    let output =
        support::candlewick().args(["run", job.to_str().unwrap()]).env("CW_URL", db.url()).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(stderr(&output).trim_end().ends_with(migrate), "{}", stderr(&output));
    assert!(!dir.path().join("out").exists(), "no unit ran");
}
