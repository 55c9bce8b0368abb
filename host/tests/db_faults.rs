//! Database faults: reads retry when their connections are killed (`pg_terminate_backend`, as an
//! administrator or a server restart does), a job killed mid-way writes what an undisturbed run
//! writes, an unreachable server fails a job at once with exit 1, and an exhausted pool waits
//! for its checkout timeout and says so.

mod support;

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use candlewick::domain::{Fields, Symbol, TimeRange, Timeframe, Timestamp};
use candlewick::pg::ConnectionSettings;
use candlewick::reader::{MarketDataReader, PgMarketDataReader, PgReaderConfig, RangeRequest};
use candlewick_testdb::TestDb;
use support::{plugin_wasm, read_parquet, run, stderr};

const MINUTE: i64 = 60_000_000;
const START: i64 = 1_577_836_800_000_000; // 2020-01-01T00:00:00Z

/// `bars` one-minute bars per symbol, a deterministic walk, inserted with plain SQL.
fn seeded_db(symbols: &[&str], bars: i64) -> TestDb {
    let db = support::migrated_db();
    let mut client = db.client();
    for (k, symbol) in symbols.iter().enumerate() {
        client
            .execute(
                "INSERT INTO market_data (symbol, timeframe, timestamp, open_price, high_price, low_price, \
                 close_price, volume) \
                 SELECT $1, '1m', to_timestamp(($2::bigint + i * 60000000) / 1e6), \
                        100 + sin(i / 7.0 + $3::float8), 101 + sin(i / 7.0 + $3::float8), 99 + sin(i / 7.0 + $3::float8), \
                        100 + sin(i / 5.0 + $3::float8), i % 97 \
                 FROM generate_series(0, $4::bigint - 1) AS i",
                &[symbol, &START, &(k as f64), &bars],
            )
            .unwrap();
    }
    db
}

/// The test's URL with its own `application_name`, so only its connections are killed.
fn labelled_url(db: &TestDb, label: &str) -> String {
    let separator = if db.url().contains('?') { '&' } else { '?' };
    format!("{}{separator}application_name={label}", db.url())
}

/// Terminates every backend whose application is `label`; the number terminated.
fn terminate(db: &TestDb, label: &str) -> u64 {
    let rows = db
        .client()
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
            &[&label],
        )
        .unwrap();
    rows.iter().filter(|row| row.get::<_, bool>(0)).count() as u64
}

fn reader(url: &str, config: &PgReaderConfig) -> PgMarketDataReader {
    PgMarketDataReader::connect(&ConnectionSettings::parse(url).unwrap(), config).unwrap()
}

fn request(symbol: &str, bars: i64) -> RangeRequest {
    RangeRequest {
        symbol: Symbol::new(symbol).unwrap(),
        timeframe: Timeframe::Minute1,
        range: TimeRange::new(
            Timestamp::from_micros(START),
            Timestamp::from_micros(START + (bars - 1) * MINUTE),
        )
        .unwrap(),
        fields: Fields::ALL,
    }
}

#[test]
fn reads_retry_on_a_fresh_connection_after_theirs_is_terminated() {
    let db = seeded_db(&["AAA"], 1_000);
    let label = format!("cw-retry-{}", db.schema());
    let reader = reader(&labelled_url(&db, &label), &PgReaderConfig::default());
    let whole = reader.range(&request("AAA", 1_000)).unwrap();
    assert_eq!(whole.len(), 1_000);

    // The pooled connection is killed while idle: the next read gets past it.
    assert!(terminate(&db, &label) >= 1, "a pooled connection to terminate");
    assert_eq!(reader.range(&request("AAA", 1_000)).unwrap(), whole);

    // Killed between the pages of a stream: the stream resumes after its last key.
    let mut streamed = candlewick::domain::BarColumns::default();
    let mut after = None;
    let page = NonZeroUsize::new(100).unwrap();
    let mut pages = 0;
    loop {
        let batch = reader.page(&request("AAA", 1_000), after, page).unwrap();
        if batch.is_empty() {
            break;
        }
        after = batch.ts.last().map(|&ts| Timestamp::from_micros(ts));
        streamed.ts.extend(&batch.ts);
        streamed.close.extend(&batch.close);
        pages += 1;
        if pages % 3 == 0 {
            assert!(terminate(&db, &label) >= 1);
        }
    }
    assert_eq!(streamed.ts, whole.ts);
    assert_eq!(streamed.close, whole.close);
}

#[test]
fn a_job_whose_connections_are_killed_mid_way_writes_what_an_undisturbed_run_writes() {
    let symbols = ["AAA", "BBB", "CCC", "DDD"];
    let bars = 20_000;
    let db = seeded_db(&symbols, bars);
    let label = format!("cw-job-{}", db.schema());
    let dir = tempfile::tempdir().unwrap();
    let job = |output: &str| {
        let path = dir.path().join(format!("{output}.yaml"));
        std::fs::write(
            &path,
            format!(
                "database:\n  url: ${{CW_FAULT_URL}}\nsymbols: [{}]\ntimeframe: 1m\nstart: {}\nend: {}\n\
                 output: {output}\ncache_dir: cache\nworkers: 2\nlimits: {{ batch_rows: 500 }}\nplugins:\n  - path: {}\n",
                symbols.join(", "),
                Timestamp::from_micros(START),
                Timestamp::from_micros(START + (bars - 1) * MINUTE),
                plugin_wasm("indicators").display()
            ),
        )
        .unwrap();
        path
    };
    let run_job = |path: &std::path::Path| {
        support::candlewick()
            .args(["run", path.to_str().unwrap()])
            .env("CW_FAULT_URL", labelled_url(&db, &label))
            .output()
            .unwrap()
    };

    let calm = run_job(&job("calm"));
    assert_eq!(calm.status.code(), Some(0), "{}", stderr(&calm));

    // A killer terminates the job's connections every 40 ms for as long as it runs.
    let done = AtomicBool::new(false);
    let killed = AtomicU64::new(0);
    let stormy = std::thread::scope(|scope| {
        scope.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                killed.fetch_add(terminate(&db, &label), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(40));
            }
        });
        let output = run_job(&job("stormy"));
        done.store(true, Ordering::Relaxed);
        output
    });
    assert_eq!(stormy.status.code(), Some(0), "{}", stderr(&stormy));
    assert!(
        killed.load(Ordering::Relaxed) >= 1,
        "the killer terminated no connection: the test proved nothing"
    );
    assert!(stderr(&stormy).is_empty() || !stderr(&stormy).contains("FAILED"), "{}", stderr(&stormy));

    for symbol in symbols {
        let calm = read_parquet(&support::unit_file(&dir.path().join("calm"), "indicators", symbol));
        let stormy = read_parquet(&support::unit_file(&dir.path().join("stormy"), "indicators", symbol));
        assert_eq!(calm.ts.len(), bars as usize);
        assert_eq!(stormy.ts, calm.ts, "{symbol}");
        for (name, values) in &calm.floats {
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&stormy.floats[name]), bits(values), "{symbol} {name}");
        }
    }
}

#[test]
fn an_unreachable_database_fails_the_job_at_once_with_exit_75_a_transient_failure() {
    let dir = tempfile::tempdir().unwrap();
    let job = dir.path().join("job.yaml");
    // Port 1 on the loopback refuses at once; the password must not be echoed.
    std::fs::write(
        &job,
        format!(
            "database:\n  url: postgresql://reader:s3cret-pw@127.0.0.1:1/market?connect_timeout=3\n\
             symbols: [EURUSD]\ntimeframe: 1h\nstart: 2018-01-02\nend: 2018-01-03\noutput: out\nplugins:\n  - path: {}\n",
            plugin_wasm("indicators").display()
        ),
    )
    .unwrap();
    let started = Instant::now();
    let output = run(&["run", job.to_str().unwrap()]);
    let elapsed = started.elapsed();
    // 75 (EX_TEMPFAIL): the database may come back, so a Kubernetes Job retries the pod.
    assert_eq!(output.status.code(), Some(75), "{}", stderr(&output));
    let text = stderr(&output);
    assert!(text.contains("connecting to") && text.contains("127.0.0.1:1"), "{text}");
    assert!(text.to_lowercase().contains("refused"), "the server's reason: {text}");
    assert!(!text.contains("s3cret-pw"), "the password leaked: {text}");
    // Refused at once, not after the pool's 30 s checkout timeout.
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
}

#[test]
fn an_exhausted_pool_waits_for_its_checkout_timeout_and_says_so() {
    let db = seeded_db(&["AAA"], 10);
    let config = PgReaderConfig {
        max_connections: 1,
        checkout_timeout: Duration::from_millis(300),
        ..PgReaderConfig::default()
    };
    let label = format!("cw-pool-{}", db.schema());
    let reader = reader(&labelled_url(&db, &label), &config);
    // Another session locks the table, so the one pooled connection blocks inside a read.
    let mut locker = db.client();
    let mut lock = locker.transaction().unwrap();
    lock.batch_execute("LOCK TABLE market_data IN ACCESS EXCLUSIVE MODE").unwrap();
    std::thread::scope(|scope| {
        let blocked = scope.spawn(|| reader.range(&request("AAA", 10)));
        let waiting = || {
            db.client()
                .query_one(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
                    &[&label],
                )
                .unwrap()
                .get::<_, i64>(0)
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while waiting() == 0 {
            assert!(Instant::now() < deadline, "the read never blocked on the lock");
            std::thread::sleep(Duration::from_millis(20));
        }
        let started = Instant::now();
        let err = reader
            .availability(&Symbol::new("AAA").unwrap(), Timeframe::Minute1, request("AAA", 10).range)
            .unwrap_err();
        assert!(started.elapsed() >= Duration::from_millis(300), "it waited the checkout timeout");
        let text = support::chain(&err);
        assert!(
            text.contains(
                "no database connection came free within 300ms: all 1 pooled connections stayed busy"
            ),
            "{text}"
        );
        lock.rollback().unwrap();
        assert_eq!(
            blocked.join().unwrap().unwrap().len(),
            10,
            "the blocked read completes once the lock goes"
        );
    });
}
