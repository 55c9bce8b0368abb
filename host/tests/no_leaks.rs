//! No leaks: a plugin never sees database internals (SQL, server messages, connection strings),
//! the host's log has the whole story, and a password appears in no output: not stdout, not the
//! log at its most verbose, not the Parquet metadata.

mod support;

use support::{as_role, plugin_wasm, read_parquet, stderr, stdout};

const CANARY: &str = "pw-canary-7f3a9c";

fn job(dir: &std::path::Path, plugin: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("job.yaml");
    std::fs::write(
        &path,
        format!(
            "database:\n  url: ${{CW_LEAK_URL}}\nsymbols: [EURUSD]\ntimeframe: 1h\nstart: 2018-03-01\n\
             end: 2018-03-31T23:00:00Z\noutput: out\ncache_dir: cache\nplugins:\n  - path: {}\n",
            plugin.display()
        ),
    )
    .unwrap();
    path
}

fn run_job(job: &std::path::Path, url: &str) -> std::process::Output {
    support::candlewick()
        .args(["run", job.to_str().unwrap()])
        .env("CW_LEAK_URL", url)
        // Everything that touches the connection at its most verbose (Cranelift's trace of
        // compiling the plugin would only slow the test down).
        .env("CANDLEWICK_LOG", "info,candlewick=trace,postgres=trace,tokio_postgres=trace,r2d2=trace")
        .output()
        .unwrap()
}

#[test]
fn no_password_in_any_output_and_no_server_message_reaches_a_plugin() {
    let db = support::migrated_db();
    support::ingest_sample(db.url());
    let mut admin = db.client();

    // A role that may connect and see the schema but not read the table: every read fails on
    // the server with "permission denied". The plugin plans no warm-up (the hostile `planner`, whose
    // default plan reads its own close), so the host looks nothing up before it and the failure
    // reaches the plugin through the reader.
    let role = format!("cw_leak_{}", db.schema());
    admin
        .batch_execute(&format!(
            "DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN PASSWORD '{CANARY}'; \
             GRANT USAGE ON SCHEMA {schema} TO {role};",
            schema = db.schema()
        ))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let planner = support::repo_path("target/hostile/planner.wasm");
    assert!(planner.exists(), "{} is missing: run scripts/build-hostile", planner.display());
    let failing = run_job(&job(dir.path(), &planner), &as_role(db.url(), &role, CANARY));
    assert_eq!(failing.status.code(), Some(2), "{}", stderr(&failing));
    let (summary, log) = (stdout(&failing), stderr(&failing));
    let failure = summary.lines().find(|l| l.contains("FAILED")).unwrap_or_else(|| panic!("{summary}"));
    assert!(failure.contains("planner on EURUSD: read failed: market data source unavailable"), "{failure}");
    for internal in ["permission denied", "market_data", "SELECT", "42501", &role, "postgresql://"] {
        assert!(!failure.contains(internal), "the plugin's error shows {internal:?}: {failure}");
    }
    assert!(
        log.contains("permission denied for table market_data"),
        "the log has the server's message: {log}"
    );

    // A run that works, with the password in the URL: not in stdout, the log or the metadata.
    admin.batch_execute(&format!("GRANT SELECT ON {}.market_data TO {role};", db.schema())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let working = run_job(&job(dir.path(), &plugin_wasm("indicators")), &as_role(db.url(), &role, CANARY));
    assert_eq!(working.status.code(), Some(0), "{}", stderr(&working));
    let table = read_parquet(&support::unit_file(&dir.path().join("out"), "indicators", "EURUSD"));
    assert!(!table.ts.is_empty());

    for (what, text) in [
        ("the failing run's stdout", summary.clone()),
        ("the failing run's log", log.clone()),
        ("stdout", stdout(&working)),
        ("the log", stderr(&working)),
        ("the Parquet metadata", format!("{:?}", table.metadata)),
    ] {
        assert!(!text.contains(CANARY), "the password is in {what}: {text}");
        assert!(!text.contains(&role) || what.contains("log"), "the role name is in {what}: {text}");
    }
    admin.batch_execute(&format!("DROP OWNED BY {role}; DROP ROLE {role};")).unwrap();
}
