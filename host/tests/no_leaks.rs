//! No leaks: a plugin never sees database internals (SQL, server messages, connection strings),
//! the host's log has the whole story, and a password appears in no output: not stdout, not the
//! log at its most verbose, not the Parquet metadata; nor does an object store's credential (an
//! output in S3), in the log, an error, the manifest or the files.

#[path = "support/s3.rs"]
mod s3;
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

/// A job into S3 whose credentials come from the job file (`storage:` through `${VAR}`): the
/// access key and the secret are in no output of a run that works or of one whose secret is wrong
/// (the server refuses its signature), with the store's client logging at its most verbose.
#[test]
fn no_storage_credential_in_any_output() {
    let s3 = s3::S3::new();
    let dir = tempfile::tempdir().unwrap();
    let prefix = s3.prefix("no-leaks");
    let job = dir.path().join("job.yaml");
    std::fs::write(
        &job,
        format!(
            "symbols: [EURUSD]\ntimeframe: 1h\nstart: 2018-03-01\nend: 2018-03-31T23:00:00Z\noutput: {}\n\
             storage:\n  aws_access_key_id: ${{CW_S3_KEY}}\n  aws_secret_access_key: ${{CW_S3_SECRET}}\n\
             cache_dir: cache\nplugins:\n  - path: {}\n",
            s3.url(&prefix),
            plugin_wasm("indicators").display()
        ),
    )
    .unwrap();
    let run = |secret: &str| {
        support::candlewick()
            .args(["run", job.to_str().unwrap()])
            .env_remove("DATABASE_URL")
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env("AWS_ENDPOINT_URL", &s3.endpoint)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ALLOW_HTTP", "true")
            .env("CW_S3_KEY", &s3.access_key)
            .env("CW_S3_SECRET", secret)
            .env(
                "CANDLEWICK_LOG",
                "info,candlewick=trace,object_store=trace,reqwest=trace,hyper=trace,hyper_util=trace",
            )
            .output()
            .unwrap()
    };
    let wrong_secret = format!("{}-wrong", s3.secret_key);
    let refused = run(&wrong_secret);
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("SignatureDoesNotMatch"), "{}", stderr(&refused));
    let working = run(&s3.secret_key);
    assert_eq!(working.status.code(), Some(0), "{}", stderr(&working));
    let objects = s3.objects(&prefix);
    assert!(objects.contains_key("manifest.json") && objects.keys().any(|k| k.ends_with(".parquet")));

    let mut outputs = vec![
        ("the refused run's stdout".to_owned(), stdout(&refused)),
        ("the refused run's log".to_owned(), stderr(&refused)),
        ("stdout".to_owned(), stdout(&working)),
        ("the log".to_owned(), stderr(&working)),
    ];
    for (name, bytes) in &objects {
        outputs.push((format!("the object {name}"), String::from_utf8_lossy(bytes).into_owned()));
    }
    for (what, text) in outputs {
        for secret in [&s3.secret_key, &wrong_secret, &s3.access_key] {
            assert!(!text.contains(secret.as_str()), "a credential is in {what}: {text}");
        }
    }
}
