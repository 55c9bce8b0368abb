//! `candlewick migrate` against real PostgreSQL: a fresh schema, a second run, and adoption of
//! the replaced system's existing table.

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
