//! Reads that plan once (issue 14 §3): a unit's streamed read of a series runs one prepared
//! statement page after page, and the server plans it once, not once per keyset page. On a
//! TimescaleDB hypertable a plan costs hundreds of milliseconds, so this count is what keeps a
//! 2M-bar read from paying it 123 times; CI has no TimescaleDB, so it guards the count on plain
//! PostgreSQL.
//!
//! The server does the counting: with `debug_print_plan` on, PostgreSQL's planner reports every
//! plan it makes (custom or generic, `pg_plan_query` in `tcop/postgres.c`) as a `LOG` message
//! `plan:`, and with `client_min_messages=log` that message goes to the session, where the
//! reader's notice callback counts it. Both settings are ordinary user settings, so this works on
//! any server, without `shared_preload_libraries`.

#[path = "support/plans.rs"]
mod plans;
mod support;

use std::num::NonZeroUsize;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};

use candlewick::domain::{Fields, Symbol, TimeRange, Timeframe, Timestamp};
use candlewick::reader::{MarketDataReader, RangeCursor, RangeRequest, SharedSeries};
use candlewick_testdb::TestDb;
use plans::counting_reader;
use support::{StoredRow, row};

const H: i64 = 3_600_000_000;
/// Bars stored, and the page size: 10 full pages, then the empty one that ends the read.
const BARS: i64 = 250;
const PAGE: usize = 25;

fn stored() -> Vec<StoredRow> {
    (0..BARS).map(|i| row("EURUSD", "1h", i * H)).collect()
}

fn request(first: i64, last: i64, fields: Fields) -> RangeRequest {
    RangeRequest {
        symbol: Symbol::new("EURUSD").unwrap(),
        timeframe: Timeframe::Hour1,
        range: TimeRange::new(Timestamp::from_micros(first * H), Timestamp::from_micros(last * H)).unwrap(),
        fields,
    }
}

/// Creating or dropping a schema invalidates every cached plan of every session on the server
/// (PostgreSQL's plan cache listens to pg_namespace), and each test makes and drops a schema of its
/// own: the tests of this file count plans one at a time, so none sees another's schema come or go.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Stores the series and settles the table's statistics: an autovacuum ANALYZE of the freshly
/// filled table mid-read would invalidate the cached plan, and the server would rightly plan again.
fn store(db: &TestDb) {
    support::insert_rows(db, &stored());
    db.client()
        .batch_execute("ANALYZE market_data; ALTER TABLE market_data SET (autovacuum_enabled = false)")
        .unwrap();
}

/// Streams `request` in pages of [`PAGE`] bars; the timestamps read, and the pages.
fn stream(reader: &dyn MarketDataReader, request: RangeRequest) -> (Vec<i64>, usize) {
    let mut cursor = RangeCursor::new(request, PAGE).unwrap();
    let (mut ts, mut pages) = (Vec::new(), 0);
    while let Some(batch) = cursor.next_batch(reader).unwrap() {
        ts.extend(batch.ts);
        pages += 1;
    }
    (ts, pages)
}

fn hours(first: i64, last: i64) -> Vec<i64> {
    (first..=last).map(|i| i * H).collect()
}

#[test]
fn a_units_streamed_read_is_planned_once_not_once_per_page() {
    let _serial = one_at_a_time();
    let db = support::migrated_db();
    store(&db);
    let (reader, plans) = counting_reader(&db, "").unwrap();

    let (ts, pages) = stream(&reader, request(0, BARS - 1, Fields::ALL));
    assert_eq!(ts, hours(0, BARS - 1));
    assert_eq!(pages, 10);
    assert_eq!(plans.load(Ordering::SeqCst), 1, "plans made for 11 executions of the page statement");

    // The next unit on the same connection reuses the plan: another window, the same columns.
    let (ts, _) = stream(&reader, request(40, 139, Fields::ALL));
    assert_eq!(ts, hours(40, 139));
    assert_eq!(plans.load(Ordering::SeqCst), 1, "plans made for the second unit's read");

    // Other columns are another statement: planned once too.
    let (ts, _) = stream(&reader, request(0, BARS - 1, Fields::CLOSE));
    assert_eq!(ts, hours(0, BARS - 1));
    assert_eq!(plans.load(Ordering::SeqCst), 2, "plans made for a read of other columns");
}

#[test]
fn a_shared_read_of_a_units_plugins_is_planned_once() {
    let _serial = one_at_a_time();
    let db = support::migrated_db();
    store(&db);
    let (reader, plans) = counting_reader(&db, "").unwrap();
    let source: Arc<dyn MarketDataReader> = Arc::new(reader);
    let series = SharedSeries::new(
        source,
        Symbol::new("EURUSD").unwrap(),
        Timeframe::Hour1,
        2,
        NonZeroUsize::new(PAGE).unwrap(),
    );
    let producer = {
        let series = Arc::clone(&series);
        std::thread::spawn(move || series.produce())
    };
    let plugins: Vec<_> = [(0, Fields::CLOSE), (1, Fields::HIGH | Fields::LOW)]
        .into_iter()
        .map(|(index, fields)| {
            let reader = series.reader(index);
            std::thread::spawn(move || {
                let read = stream(&reader, request(0, BARS - 1, fields)).0;
                reader.finish();
                read
            })
        })
        .collect();
    for plugin in plugins {
        assert_eq!(plugin.join().unwrap(), hours(0, BARS - 1));
    }
    producer.join().unwrap();
    assert_eq!(plans.load(Ordering::SeqCst), 1, "plans made for the unit's one shared read");
}

/// The control: the count sees per-page planning when it happens. With PostgreSQL's default
/// `plan_cache_mode=auto` the first five executions of a prepared statement are each planned
/// with their values, so the same read is planned at least five times.
#[test]
fn with_the_servers_default_plan_cache_mode_the_pages_are_planned_again() {
    let _serial = one_at_a_time();
    let db = support::migrated_db();
    store(&db);
    let (reader, plans) = counting_reader(&db, "-c plan_cache_mode=auto").unwrap();
    let (ts, pages) = stream(&reader, request(0, BARS - 1, Fields::ALL));
    assert_eq!((ts.len(), pages), (BARS as usize, 10));
    let planned = plans.load(Ordering::SeqCst);
    assert!(planned >= 5, "{planned} plans for 11 executions with plan_cache_mode=auto");
}
