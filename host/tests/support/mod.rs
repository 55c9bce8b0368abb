//! Shared helpers for the end-to-end and adapter tests: fixtures in both adapters, the binary.
#![allow(dead_code, reason = "each test binary includes this module and uses a different part of it")]

use std::path::PathBuf;
use std::process::{Command, Output};

use candlewick::domain::{Bar, Timestamp};
use candlewick::pg::PgTimestamp;
use candlewick::reader::{MarketDataReader, MemoryMarketDataReader, PgMarketDataReader, PgReaderConfig};
use candlewick_testdb::TestDb;

/// A row as `market_data` may hold it: the timeframe is free text, so tests can store what the
/// replaced system might have stored.
#[derive(Debug, Clone, Copy)]
pub struct StoredRow {
    pub symbol: &'static str,
    pub timeframe: &'static str,
    pub bar: Bar,
}

/// A bar at `ts` microseconds whose prices derive from `ts`, so every row is distinguishable.
pub fn bar(ts: i64) -> Bar {
    let base = 100.0 + (ts % 1_000) as f64 / 10.0;
    Bar {
        ts: Timestamp::from_micros(ts),
        open: base,
        high: base + 2.0,
        low: base - 1.0,
        close: base + 0.5,
        volume: ts % 97,
    }
}

pub fn row(symbol: &'static str, timeframe: &'static str, ts: i64) -> StoredRow {
    StoredRow { symbol, timeframe, bar: bar(ts) }
}

/// A reader over some stored rows, with whatever keeps its data alive.
pub struct Fixture {
    pub reader: Box<dyn MarketDataReader>,
    pub db: Option<TestDb>,
}

/// Builds a [`Fixture`] for one adapter.
pub type Adapter = fn(&[StoredRow]) -> Fixture;

pub fn memory(rows: &[StoredRow]) -> Fixture {
    let reader =
        MemoryMarketDataReader::from_stored_rows(rows.iter().map(|r| (r.symbol, r.timeframe, r.bar)));
    Fixture { reader: Box::new(reader), db: None }
}

pub fn postgres(rows: &[StoredRow]) -> Fixture {
    let db = migrated_db();
    insert_rows(&db, rows);
    let settings = candlewick::pg::ConnectionSettings::parse(db.url()).expect("test URL parses");
    let reader = PgMarketDataReader::connect(&settings, &PgReaderConfig::default()).expect("reader connects");
    Fixture { reader: Box::new(reader), db: Some(db) }
}

/// A fresh schema with the migrations applied.
pub fn migrated_db() -> TestDb {
    let db = TestDb::new();
    candlewick::pg::migrate::migrate(&mut db.client()).expect("migrations apply");
    db
}

/// Inserts rows with plain SQL, past ingest's validation, as another writer might have.
pub fn insert_rows(db: &TestDb, rows: &[StoredRow]) {
    let mut client = db.client();
    let statement = client
        .prepare(
            "INSERT INTO market_data (symbol, timeframe, timestamp, open_price, high_price, low_price, close_price, volume) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .expect("insert prepares");
    for r in rows {
        let b = &r.bar;
        client
            .execute(
                &statement,
                &[&r.symbol, &r.timeframe, &PgTimestamp(b.ts), &b.open, &b.high, &b.low, &b.close, &b.volume],
            )
            .expect("row inserts");
    }
}

/// Counts the rows of `market_data` in the test schema.
pub fn count_rows(db: &TestDb) -> i64 {
    db.client().query_one("SELECT count(*) FROM market_data", &[]).expect("count runs").get(0)
}

/// The `candlewick` binary Cargo built for these tests.
pub fn candlewick() -> Command {
    Command::new(env!("CARGO_BIN_EXE_candlewick"))
}

/// Runs the binary with `args`, with no `DATABASE_URL` inherited.
pub fn run(args: &[&str]) -> Output {
    candlewick().args(args).env_remove("DATABASE_URL").output().expect("candlewick runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The bundled EURUSD 1h 2018 sample (`host/fixtures`), the bars of the embedded default source.
pub const SAMPLE: &str = "host/fixtures/eurusd_1h_2018.csv";

/// Runs `candlewick ingest` of [`SAMPLE`] as EURUSD 1h into the database at `url`.
pub fn try_ingest_sample(url: &str) -> Output {
    let sample = repo_path(SAMPLE);
    run(&[
        "ingest",
        sample.to_str().unwrap(),
        "--symbol",
        "EURUSD",
        "--timeframe",
        "1h",
        "--database-url",
        url,
    ])
}

/// Ingests [`SAMPLE`] as EURUSD 1h through the binary, into the database at `url`.
pub fn ingest_sample(url: &str) {
    let output = try_ingest_sample(url);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains(": 6168 rows, 6168 written, 0 unchanged"), "{}", stdout(&output));
}

/// `url` with its user and password replaced.
pub fn as_role(url: &str, role: &str, password: &str) -> String {
    let scheme_end = url.find("://").expect("a URL") + 3;
    let at = url[scheme_end..].find('@').expect("a user in the test URL") + scheme_end;
    format!("{}{role}:{password}{}", &url[..scheme_end], &url[at..])
}

/// A path in the repository, from the tests package's folder.
pub fn repo_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(relative)
}

/// An error and all its sources, joined by `: `, as the host's log shows them.
pub fn chain(err: &dyn std::error::Error) -> String {
    candlewick::domain::error_chain(err)
}

/// A built example plugin; `scripts/build-plugins` (run by `scripts/test`) makes them.
pub fn plugin_wasm(name: &str) -> PathBuf {
    let path = repo_path(&format!("target/plugins/{name}.wasm"));
    assert!(path.exists(), "{} is missing: run scripts/build-plugins (scripts/test does)", path.display());
    path
}

/// Every column of a Parquet file by name: timestamps and ints as i64, floats as f64.
#[derive(Debug, Default)]
pub struct ParquetTable {
    pub ts: Vec<i64>,
    pub floats: std::collections::BTreeMap<String, Vec<f64>>,
    pub ints: std::collections::BTreeMap<String, Vec<i64>>,
    pub metadata: std::collections::BTreeMap<String, String>,
}

pub fn read_parquet(path: &std::path::Path) -> ParquetTable {
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::{DataType, Float64Type, Int64Type, TimestampMicrosecondType};
    use parquet::file::reader::FileReader;

    let file = std::fs::File::open(path).unwrap_or_else(|err| panic!("opening {}: {err}", path.display()));
    let meta_reader = parquet::file::reader::SerializedFileReader::new(file.try_clone().unwrap()).unwrap();
    let mut table = ParquetTable::default();
    for kv in meta_reader.metadata().file_metadata().key_value_metadata().into_iter().flatten() {
        table.metadata.insert(kv.key.clone(), kv.value.clone().unwrap_or_default());
    }
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReader::try_new(file, 8192).unwrap();
    for batch in reader {
        let batch = batch.unwrap();
        for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
            match field.data_type() {
                DataType::Timestamp(_, _) => {
                    table.ts.extend(column.as_primitive::<TimestampMicrosecondType>().values().iter())
                }
                DataType::Float64 => table
                    .floats
                    .entry(field.name().clone())
                    .or_default()
                    .extend(column.as_primitive::<Float64Type>().values().iter()),
                DataType::Int64 => table
                    .ints
                    .entry(field.name().clone())
                    .or_default()
                    .extend(column.as_primitive::<Int64Type>().values().iter()),
                other => panic!("unexpected column type {other} in {}", path.display()),
            }
            assert_eq!(column.null_count(), 0);
        }
    }
    table
}

/// The file of one unit in a job's output, as the run's manifest (`<out>/manifest.json`) lists it:
/// the unit of `dataset` (an entry's output name) and `symbol`.
pub fn unit_file(out: &std::path::Path, dataset: &str, symbol: &str) -> PathBuf {
    let manifest = manifest(out);
    let unit = manifest["units"]
        .as_array()
        .expect("units")
        .iter()
        .find(|u| u["dataset"] == dataset && u["symbol"] == symbol)
        .unwrap_or_else(|| panic!("no unit {dataset} {symbol} in {}", out.join("manifest.json").display()));
    let file = unit["file"].as_str().unwrap_or_else(|| panic!("unit {dataset} {symbol} has no file: {unit}"));
    out.join(file)
}

/// The manifest of the run that wrote `out`.
pub fn manifest(out: &std::path::Path) -> serde_json::Value {
    let path = out.join("manifest.json");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("reading {}: {err}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// `dir/bars.csv`: the embedded sample's 2018 once per symbol `S00`, `S01`, … (`symbols` of
/// them), symbol `s` cut to its first `months(s)` months (12: the whole year), so that symbols
/// differ in work when `months` says so.
pub fn symbols_fixture(dir: &std::path::Path, symbols: usize, months: impl Fn(usize) -> usize) -> PathBuf {
    let sample = std::fs::read_to_string(repo_path(SAMPLE)).unwrap();
    let mut text = String::from("symbol,timeframe,timestamp,open,high,low,close,volume\n");
    for s in 0..symbols {
        let months = months(s);
        for line in sample.lines().skip(1).filter(|l| l[5..7].parse::<usize>().unwrap() <= months) {
            text.push_str(&format!("S{s:02},1h,{line}\n"));
        }
    }
    let path = dir.join("bars.csv");
    std::fs::write(&path, text).unwrap();
    path
}

/// `dir/job.yaml`: `indicators` (`sma_period: 30`) and its joined table `features` over the
/// 1h bars of `fixture`'s symbols `S00` … (`symbols` of them) from `start` to `end`, one worker,
/// into `output`.
pub fn symbols_job(
    dir: &std::path::Path,
    fixture: &std::path::Path,
    symbols: usize,
    (start, end): (&str, &str),
    output: &str,
) -> PathBuf {
    let names: Vec<String> = (0..symbols).map(|s| format!("S{s:02}")).collect();
    let text = format!(
        "fixture: {}\nsymbols: [{}]\ntimeframe: 1h\nstart: {start}\nend: {end}\noutput: {output}\n\
         workers: 1\ncache_dir: {}\njoined: features\nplugins:\n  - path: {}\n    params: {{ sma_period: 30 }}\n",
        fixture.display(),
        names.join(", "),
        repo_path("target/test-cache/candlewick").display(),
        plugin_wasm("indicators").display()
    );
    let path = dir.join("job.yaml");
    std::fs::write(&path, text).unwrap();
    path
}
