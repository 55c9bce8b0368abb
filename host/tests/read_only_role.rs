//! Read-only by design: the host runs under a role that may only SELECT from `market_data`.
//! Under it the reader answers and a job runs; ingest is refused, by name, before it reads a row.

mod support;

use support::{as_role, plugin_wasm, read_parquet, run, stderr, stdout};

#[test]
fn a_select_only_role_reads_and_runs_jobs_but_cannot_ingest() {
    let db = support::migrated_db();
    support::ingest_sample(db.url());

    // The README's recipe: LOGIN, USAGE on the schema, SELECT on the table, nothing else.
    let role = format!("cw_ro_{}", db.schema());
    let mut admin = db.client();
    admin
        .batch_execute(&format!(
            "DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN PASSWORD 'ro-pw'; \
             GRANT USAGE ON SCHEMA {schema} TO {role}; GRANT SELECT ON {schema}.market_data TO {role};",
            schema = db.schema()
        ))
        .unwrap();
    let url = as_role(db.url(), &role, "ro-pw");

    let latest = run(&["latest", "--symbols", "EURUSD", "--timeframe", "1h", "--database-url", &url]);
    assert!(latest.status.success(), "{}", stderr(&latest));
    assert!(stdout(&latest).contains("2018-12-31T21:00:00Z"), "{}", stdout(&latest));

    let dir = tempfile::tempdir().unwrap();
    let job = dir.path().join("job.yaml");
    std::fs::write(
        &job,
        format!(
            "database:\n  url: ${{CW_RO_URL}}\nsymbols: [EURUSD]\ntimeframe: 1h\nstart: 2018-03-01\n\
             end: 2018-03-31T23:00:00Z\noutput: out\ncache_dir: cache\nplugins:\n  - path: {}\n",
            plugin_wasm("indicators").display()
        ),
    )
    .unwrap();
    let output =
        support::candlewick().args(["run", job.to_str().unwrap()]).env("CW_RO_URL", &url).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        !read_parquet(&support::unit_file(&dir.path().join("out"), "indicators", "EURUSD")).ts.is_empty()
    );

    let count = || support::count_rows(&db);
    let before = count();
    let refused = support::try_ingest_sample(&url);
    assert_eq!(refused.status.code(), Some(1));
    let text = stderr(&refused);
    assert!(
        text.contains(&format!(
            "database role \"{role}\" may not write market_data (it lacks INSERT or UPDATE on the table)"
        )),
        "{text}"
    );
    assert!(!text.contains("ro-pw"), "the password leaked: {text}");
    assert_eq!(count(), before, "nothing written");

    // A session that is read-only by setting is refused the same way, whatever the role.
    assert!(db.url().contains("options=-c"), "the test URL sets the schema through options");
    let read_only_session = db.url().replace("options=", "options=-cdefault_transaction_read_only%3Don%20");
    let refused = support::try_ingest_sample(&read_only_session);
    assert_eq!(refused.status.code(), Some(1), "{}", stdout(&refused));
    assert!(stderr(&refused).contains("(the session is read-only)"), "{}", stderr(&refused));
    assert_eq!(count(), before);

    admin.batch_execute(&format!("DROP OWNED BY {role}; DROP ROLE {role};")).unwrap();
}
