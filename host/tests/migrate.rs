//! `candlewick migrate` against real PostgreSQL: a fresh schema, a second run, adoption of the
//! replaced system's existing table, a table owner that is not a superuser, a run that fails, and a
//! schema an earlier Candlewick migrated.
//!
//! TimescaleDB is not installed here (nor in CI): the hypertable step is tested only where the
//! server has no TimescaleDB.

mod support;

use candlewick_testdb::TestDb;

/// The `market_data` columns as `information_schema` reports them.
fn columns(db: &TestDb) -> Vec<(String, String, String, Option<String>)> {
    db.client()
        .query(
            "SELECT column_name::text, data_type::text, is_nullable::text, column_default::text \
             FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'market_data' \
             ORDER BY ordinal_position",
            &[&db.schema()],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect()
}

/// Each index's definition after `USING`, sorted, so names do not matter.
fn index_definitions(db: &TestDb) -> Vec<String> {
    let mut defs: Vec<String> = db
        .client()
        .query(
            "SELECT split_part(indexdef, ' USING ', 2) FROM pg_indexes WHERE schemaname = $1 AND tablename = 'market_data'",
            &[&db.schema()],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    defs.sort();
    defs
}

const EXPECTED_INDEXES: [&str; 5] = [
    r#"btree ("timestamp" DESC)"#,
    r#"btree (symbol, "timestamp" DESC)"#,
    r#"btree (symbol, timeframe, "timestamp" DESC)"#,
    r#"btree (symbol, timeframe, "timestamp")"#,
    r#"btree (symbol, timeframe, "timestamp") INCLUDE (open_price, high_price, low_price, close_price, volume)"#,
];

#[test]
fn migrate_creates_exactly_the_market_data_table() {
    let db = TestDb::new();
    let report = candlewick::pg::migrate::migrate(&mut db.client()).unwrap();
    assert_eq!(report.applied, ["V1__market_data"]);
    assert_eq!(report.version, Some(1));
    let expected = [
        ("symbol", "character varying", "NO", None),
        ("timeframe", "character varying", "NO", None),
        ("timestamp", "timestamp with time zone", "NO", None),
        ("open_price", "double precision", "NO", None),
        ("high_price", "double precision", "NO", None),
        ("low_price", "double precision", "NO", None),
        ("close_price", "double precision", "NO", None),
        ("volume", "bigint", "NO", Some("0")),
        ("created_at", "timestamp with time zone", "YES", Some("now()")),
    ];
    let got = columns(&db);
    let got: Vec<(&str, &str, &str, Option<&str>)> =
        got.iter().map(|(n, t, null, d)| (n.as_str(), t.as_str(), null.as_str(), d.as_deref())).collect();
    assert_eq!(got, expected);
    let lengths: Vec<Option<i32>> = db
        .client()
        .query(
            "SELECT character_maximum_length FROM information_schema.columns \
             WHERE table_schema = $1 AND table_name = 'market_data' AND column_name IN ('symbol', 'timeframe') \
             ORDER BY ordinal_position",
            &[&db.schema()],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(lengths, [Some(20), Some(10)]);
    assert_eq!(index_definitions(&db), EXPECTED_INDEXES);
    let pk: String = db
        .client()
        .query_one(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'market_data'::regclass AND contype = 'p'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(pk, r#"PRIMARY KEY (symbol, timeframe, "timestamp")"#);
}

#[test]
fn migrate_twice_changes_nothing() {
    let db = TestDb::new();
    candlewick::pg::migrate::migrate(&mut db.client()).unwrap();
    let (columns_before, indexes_before) = (columns(&db), index_definitions(&db));
    let second = candlewick::pg::migrate::migrate(&mut db.client()).unwrap();
    assert!(second.applied.is_empty(), "{second:?}");
    assert_eq!(second.version, Some(1));
    assert_eq!(columns(&db), columns_before);
    assert_eq!(index_definitions(&db), indexes_before);
}

#[test]
fn migrate_adopts_the_replaced_systems_table_with_its_rows() {
    let db = TestDb::new();
    let mut client = db.client();
    client.batch_execute(include_str!("../../tests/fixtures/legacy_market_data.sql")).unwrap();
    let before: Vec<(String, f64, i64)> = client
        .query("SELECT symbol::text, close_price, volume FROM market_data ORDER BY symbol, timestamp", &[])
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(before.len(), 3);
    let indexes_before = index_definitions(&db);

    let report = candlewick::pg::migrate::migrate(&mut client).unwrap();
    assert_eq!(report.applied, ["V1__market_data"]);
    let after: Vec<(String, f64, i64)> = client
        .query("SELECT symbol::text, close_price, volume FROM market_data ORDER BY symbol, timestamp", &[])
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(after, before, "no data lost");
    assert_eq!(index_definitions(&db), indexes_before, "the old indexes serve; none is duplicated");
    assert_eq!(indexes_before, EXPECTED_INDEXES);
    let second = candlewick::pg::migrate::migrate(&mut client).unwrap();
    assert!(second.applied.is_empty());
}

#[test]
fn migrate_command_reports_the_version() {
    let db = TestDb::new();
    let output = support::run(&["migrate", "--database-url", db.url()]);
    assert!(output.status.success(), "{}", support::stderr(&output));
    assert_eq!(support::stdout(&output), "applied V1__market_data\nschema at version 1\n");
    let output = support::candlewick().arg("migrate").env("DATABASE_URL", db.url()).output().unwrap();
    assert_eq!(support::stdout(&output), "schema at version 1\n", "DATABASE_URL is the fallback");
}

/// A login role that is not a superuser, with `grants` (`{role}` and `{schema}` filled in), and
/// its URL. `drop_role` removes it.
fn role(db: &TestDb, name: &str, grants: &str) -> (String, String) {
    let role = format!("cw_{name}_{}", db.schema());
    let grants = grants.replace("{role}", &role).replace("{schema}", db.schema());
    db.client()
        .batch_execute(&format!(
            "DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN NOSUPERUSER PASSWORD 'pw'; {grants}"
        ))
        .unwrap();
    let url = support::as_role(db.url(), &role, "pw");
    (role, url)
}

fn drop_role(db: &TestDb, role: &str) {
    db.client().batch_execute(&format!("DROP OWNED BY {role}; DROP ROLE {role};")).unwrap();
}

fn has_table(db: &TestDb, name: &str) -> bool {
    db.client().query_one("SELECT to_regclass($1::text) IS NOT NULL", &[&name]).unwrap().get(0)
}

/// The owner of a schema's tables need not be a superuser: migrate reads no setting only a
/// superuser may read (V1 read `shared_preload_libraries`, which failed for such a role wherever
/// TimescaleDB was installed), and the role owns what it made.
#[test]
fn migrate_as_a_table_owner_that_is_not_a_superuser() {
    let db = TestDb::new();
    let (role, url) = role(&db, "owner", "GRANT USAGE, CREATE ON SCHEMA {schema} TO {role};");
    let mut as_role = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let err = as_role.query_one("SELECT current_setting('shared_preload_libraries')", &[]).unwrap_err();
    assert!(
        err.as_db_error()
            .unwrap()
            .message()
            .starts_with("must be superuser or have privileges of pg_read_all_settings"),
        "the role cannot read the setting V1 read: {err}"
    );

    let output = support::run(&["migrate", "--database-url", &url]);
    assert!(output.status.success(), "{}", support::stderr(&output));
    assert_eq!(support::stdout(&output), "applied V1__market_data\nschema at version 1\n");
    let owner: String = db
        .client()
        .query_one(
            "SELECT tableowner::text FROM pg_tables WHERE schemaname = $1 AND tablename = 'market_data'",
            &[&db.schema()],
        )
        .unwrap()
        .get(0);
    assert_eq!(owner, role);
    assert_eq!(index_definitions(&db), EXPECTED_INDEXES);
    let again = support::run(&["migrate", "--database-url", &url]);
    assert_eq!(support::stdout(&again), "schema at version 1\n");
    drop(as_role);
    drop_role(&db, &role);
}

/// A migrate that fails leaves nothing behind, neither the history table nor what V1 made before
/// it failed: a role that may create tables but does not own the existing `market_data` (V1 cannot
/// index it), and an index name V1 needs that is taken.
#[test]
fn a_failed_migrate_leaves_nothing_behind() {
    let db = TestDb::new();
    db.client()
        .batch_execute(
            "CREATE TABLE market_data (symbol VARCHAR(20) NOT NULL, timeframe VARCHAR(10) NOT NULL, \
             \"timestamp\" TIMESTAMPTZ NOT NULL, open_price FLOAT8 NOT NULL, high_price FLOAT8 NOT NULL, \
             low_price FLOAT8 NOT NULL, close_price FLOAT8 NOT NULL, volume BIGINT NOT NULL DEFAULT 0, \
             created_at TIMESTAMPTZ DEFAULT now(), PRIMARY KEY (symbol, timeframe, \"timestamp\"))",
        )
        .unwrap();
    let indexes_before = index_definitions(&db);
    let (role, url) = role(
        &db,
        "notowner",
        "GRANT USAGE, CREATE ON SCHEMA {schema} TO {role}; GRANT SELECT ON {schema}.market_data TO {role};",
    );

    let output = support::run(&["migrate", "--database-url", &url]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        support::stderr(&output),
        "error: applying V1__market_data: db error: ERROR: must be owner of table market_data\n"
    );
    assert!(!has_table(&db, candlewick::pg::migrate::HISTORY_TABLE), "no history table left behind");
    assert_eq!(index_definitions(&db), indexes_before, "no index left behind");
    drop_role(&db, &role);

    // V1 creates the table, then fails on an index whose name is taken: the table goes too.
    let db = TestDb::new();
    db.client().batch_execute("CREATE TABLE ix_market_data_covering (x int)").unwrap();
    let output = support::run(&["migrate", "--database-url", db.url()]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        support::stderr(&output),
        "error: applying V1__market_data: db error: ERROR: relation \"ix_market_data_covering\" already exists\n"
    );
    assert!(!has_table(&db, "market_data"), "the table V1 created is gone");
    assert!(!has_table(&db, candlewick::pg::migrate::HISTORY_TABLE), "no history table left behind");
}

/// A schema migrated by an earlier Candlewick, which ran V1 through refinery as it is, is at
/// version 1: V1 is not applied again, and its checksum agrees.
#[test]
fn a_schema_migrated_by_refinery_directly_stays_at_version_1() {
    mod released {
        refinery::embed_migrations!("../migrations");
    }
    let db = TestDb::new();
    let mut client = db.client();
    released::migrations::runner()
        .set_migration_table_name(candlewick::pg::migrate::HISTORY_TABLE)
        .run(&mut client)
        .unwrap();
    let report = candlewick::pg::migrate::migrate(&mut client).unwrap();
    assert!(report.applied.is_empty(), "{report:?}");
    assert_eq!(report.version, Some(1));
    assert_eq!(report.timescale, candlewick::pg::migrate::Timescale::NotInstalled);
    assert_eq!(index_definitions(&db), EXPECTED_INDEXES);
}
