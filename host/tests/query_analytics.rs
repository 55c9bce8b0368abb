//! Query analytics against a real PostgreSQL: each unit's manifest record says what its reads cost
//! the database (statements, rows and bytes received, time in the database, retries), the job's
//! summary totals them and the report shows them; `candlewick run --explain` prints the plans of
//! each plugin's first unit's reads and writes nothing.

mod support;

use std::path::{Path, PathBuf};

use support::{candlewick, migrated_db, plugin_wasm, repo_path, stderr, stdout};
use tempfile::TempDir;

const START: &str = "2018-03-01T00:00:00Z";
const END: &str = "2018-05-31T23:00:00Z";

fn write_job(dir: &Path, source: &str) -> PathBuf {
    let job = format!(
        "{source}\nsymbols: [EURUSD]\ntimeframe: 1h\nstart: {START}\nend: {END}\noutput: out\ncache_dir: {}\n\
         plugins:\n  - path: {}\n  - path: {}\n    params: {{ cusum_threshold: 0.004 }}\n",
        repo_path("target/test-cache/candlewick").display(),
        plugin_wasm("indicators").display(),
        plugin_wasm("events").display(),
    );
    let path = dir.join("job.yaml");
    std::fs::write(&path, job).unwrap();
    path
}

#[test]
fn each_unit_records_what_its_reads_cost_the_database_and_the_summary_totals_it() {
    let db = migrated_db();
    support::ingest_sample(db.url());
    let dir = TempDir::new().unwrap();
    let job = write_job(dir.path(), "database:\n  url: ${CW_QA_URL}");
    let output =
        candlewick().args(["run", job.to_str().unwrap()]).env("CW_QA_URL", db.url()).output().unwrap();
    assert!(output.status.success(), "{}{}", stdout(&output), stderr(&output));

    let manifest = support::manifest(&dir.path().join("out"));
    let units = manifest["units"].as_array().unwrap();
    let cost = |unit: &serde_json::Value, key: &str| {
        unit["database"][key].as_f64().unwrap_or_else(|| panic!("{unit}"))
    };
    // The window's bars, counted by the server itself.
    let window: i64 = db
        .client()
        .query_one(
            "SELECT count(*) FROM market_data WHERE symbol = 'EURUSD' AND timeframe = '1h' \
             AND timestamp BETWEEN $1::text::timestamptz AND $2::text::timestamptz",
            &[&START, &END],
        )
        .unwrap()
        .get(0);
    assert!(window > 1000, "{window}");
    let rows: f64 = units.iter().map(|u| cost(u, "rows")).sum();
    let bytes: f64 = units.iter().map(|u| cost(u, "bytes")).sum();
    let statements: f64 = units.iter().map(|u| cost(u, "statements")).sum();
    let max_rows_in = units.iter().map(|u| u["rows_in"].as_u64().unwrap()).max().unwrap();
    // The symbol's one shared read (counted on its first unit) covers every bar any plugin read.
    assert!(
        rows >= max_rows_in as f64 && rows >= window as f64,
        "rows {rows}, window {window}, rows in {max_rows_in}"
    );
    assert!(rows <= 6168.0 + 100.0, "no more than the stored series and a few lookups: {rows}");
    // A DataRow's payload: 2 bytes of column count, then 4 bytes of length and 8 of value per
    // column: the timestamp alone (14) up to the timestamp and five fields (74).
    assert!(bytes >= rows * 14.0 && bytes <= rows * 74.0, "bytes {bytes} for {rows} rows");
    assert!(statements >= 2.0, "{statements}");
    for unit in units {
        assert_eq!(cost(unit, "retries"), 0.0, "{unit}");
        assert!(cost(unit, "server_seconds") >= 0.0, "{unit}");
    }
    assert!(cost(&units[0], "server_seconds") > 0.0, "the first unit's shared read took time: {}", units[0]);
    let summary = format!("database: {statements} statements, {rows} rows, ");
    assert!(stdout(&output).contains(&summary), "expected {summary:?} in:\n{}", stdout(&output));

    // The report shows each unit's cost.
    let page = dir.path().join("report.html");
    let report = candlewick()
        .args(["report", dir.path().join("out").to_str().unwrap(), "-o", page.to_str().unwrap()])
        .env("CW_QA_URL", db.url())
        .output()
        .unwrap();
    assert!(report.status.success(), "{}", stderr(&report));
    assert_eq!(stderr(&report), "", "the report read its bars from the job's database");
    let html = std::fs::read_to_string(&page).unwrap();
    let first_statements = format!("<span class=\"num\">{}</span>", cost(&units[0], "statements"));
    assert!(html.contains("statements</th>") && html.contains(&first_statements), "{first_statements}");
}

#[test]
fn run_explain_prints_the_plans_of_each_plugins_first_unit_and_writes_nothing() {
    let db = migrated_db();
    support::ingest_sample(db.url());
    let dir = TempDir::new().unwrap();
    let job = write_job(dir.path(), "database:\n  url: ${CW_QA_URL}");
    let output = candlewick()
        .args(["run", job.to_str().unwrap(), "--explain"])
        .env("CW_QA_URL", db.url())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    for plugin in ["indicators", "events"] {
        assert!(text.contains(&format!("{plugin} on EURUSD (first unit; ok, ")), "{text}");
    }
    assert!(text.contains("FROM market_data WHERE symbol = $1 AND timeframe = $2"), "{text}");
    assert!(text.contains("| Execution Time:") && text.contains("| Planning Time:"), "{text}");
    assert!(text.contains("Buffers:") || text.contains("shared hit"), "BUFFERS asked for: {text}");
    assert!(!dir.path().join("out").exists(), "--explain writes nothing");

    // With --shard, the shard's first units: EURUSD is shard 0's of 2, and shard 1 has none.
    let explain_shard = |shard: &str| {
        let output = candlewick()
            .args(["run", job.to_str().unwrap(), "--explain", "--shard", shard])
            .env("CW_QA_URL", db.url())
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        stdout(&output)
    };
    assert!(explain_shard("0/2").contains("indicators on EURUSD (first unit of shard 0/2; ok, "));
    assert!(!explain_shard("1/2").contains(" on EURUSD "), "shard 1 has no unit of EURUSD");

    let fixture = write_job(dir.path(), &format!("fixture: {}", repo_path(support::SAMPLE).display()));
    let output = support::run(&["run", fixture.to_str().unwrap(), "--explain"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).starts_with(
            "error: --explain shows the SQL plans of a database's reads; this job reads the fixture"
        ),
        "{}",
        stderr(&output)
    );
}
