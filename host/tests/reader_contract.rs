//! One contract for the market-data reader, run against every adapter: the in-memory reader and
//! the PostgreSQL reader (real server, a schema per test) must answer every case the same way.

mod support;

use std::num::NonZeroUsize;

use candlewick::domain::{
    Fields, InvalidArgument, ReadError, Symbol, SymbolSet, TimeRange, Timeframe, Timestamp,
};
use candlewick::reader::{MarketDataReader, RangeCursor, RangeRequest, RangeStream};
use support::{Adapter, StoredRow, bar, row};

const H: i64 = 3_600_000_000; // one hour in microseconds

fn ts(micros: i64) -> Timestamp {
    Timestamp::from_micros(micros)
}

fn symbol(text: &str) -> Symbol {
    Symbol::new(text).unwrap()
}

fn window(start: i64, end: i64) -> TimeRange {
    TimeRange::new(ts(start), ts(end)).unwrap()
}

fn request(sym: &str, timeframe: Timeframe, range: TimeRange, fields: Fields) -> RangeRequest {
    RangeRequest { symbol: symbol(sym), timeframe, range, fields }
}

fn symbols(texts: &[&str]) -> SymbolSet {
    SymbolSet::parse(texts).unwrap()
}

/// Three symbols whose byte order differs from a case-insensitive order, two timeframes, rows
/// stored out of time order, and one row with a timeframe the replaced system allowed.
fn market() -> Vec<StoredRow> {
    vec![
        row("BBB", "1h", 3 * H),
        row("BBB", "1h", H),
        row("BBB", "1h", 2 * H),
        row("AAA", "1h", 0),
        row("AAA", "1h", H),
        row("AAA", "1h", 2 * H),
        row("AAA", "1h", 3 * H),
        row("AAA", "1d", 0),
        row("aaa", "1h", 5 * H),
        row("AAA", "1H", 9 * H),
    ]
}

fn range_is_inclusive_at_both_ends(adapter: Adapter) {
    let fixture = adapter(&market());
    let bars =
        fixture.reader.range(&request("AAA", Timeframe::Hour1, window(H, 2 * H), Fields::ALL)).unwrap();
    assert_eq!(bars.ts, [H, 2 * H]);
    assert_eq!(bars.bar(0), Some(bar(H)));
    let empty = fixture
        .reader
        .range(&request("AAA", Timeframe::Hour1, window(H + 1, 2 * H - 1), Fields::ALL))
        .unwrap();
    assert!(empty.is_empty(), "{empty:?}");
}

fn range_is_ascending_whatever_the_insert_order(adapter: Adapter) {
    let fixture = adapter(&market());
    let bars =
        fixture.reader.range(&request("BBB", Timeframe::Hour1, TimeRange::all(), Fields::ALL)).unwrap();
    assert_eq!(bars.ts, [H, 2 * H, 3 * H]);
}

fn range_returns_only_the_requested_fields(adapter: Adapter) {
    let fixture = adapter(&market());
    let fields = Fields::CLOSE | Fields::VOLUME;
    let bars = fixture.reader.range(&request("AAA", Timeframe::Hour1, TimeRange::all(), fields)).unwrap();
    assert_eq!(bars.ts, [0, H, 2 * H, 3 * H]);
    assert_eq!(bars.close, [0, H, 2 * H, 3 * H].map(|t| bar(t).close));
    assert_eq!(bars.volume, [0, H, 2 * H, 3 * H].map(|t| bar(t).volume));
    assert!(bars.open.is_empty() && bars.high.is_empty() && bars.low.is_empty());
}

fn multi_range_orders_by_symbol_then_timestamp(adapter: Adapter) {
    let fixture = adapter(&market());
    let result = fixture
        .reader
        .multi_range(&symbols(&["aaa", "BBB", "AAA", "CCC"]), Timeframe::Hour1, window(H, 5 * H), Fields::ALL)
        .unwrap();
    let order: Vec<(&str, Vec<i64>)> =
        result.iter().map(|s| (s.symbol.as_str(), s.bars.ts.clone())).collect();
    assert_eq!(
        order,
        [
            ("AAA", vec![H, 2 * H, 3 * H]),
            ("BBB", vec![H, 2 * H, 3 * H]),
            ("CCC", vec![]),
            ("aaa", vec![5 * H]),
        ]
    );
}

fn empty_symbol_list_gives_empty_results(adapter: Adapter) {
    let fixture = adapter(&market());
    let none = SymbolSet::default();
    assert!(
        fixture
            .reader
            .multi_range(&none, Timeframe::Hour1, TimeRange::all(), Fields::ALL)
            .unwrap()
            .is_empty()
    );
    assert!(fixture.reader.latest(&none, Timeframe::Hour1, Timestamp::MAX).unwrap().is_empty());
}

fn latest_prices_omit_symbols_without_data_and_order_by_symbol(adapter: Adapter) {
    let fixture = adapter(&market());
    let latest = fixture
        .reader
        .latest(&symbols(&["aaa", "ZZZ", "BBB", "AAA"]), Timeframe::Hour1, Timestamp::MAX)
        .unwrap();
    let got: Vec<(&str, Timestamp)> = latest.iter().map(|l| (l.symbol.as_str(), l.bar.ts)).collect();
    assert_eq!(got, [("AAA", ts(3 * H)), ("BBB", ts(3 * H)), ("aaa", ts(5 * H))]);
    assert_eq!(latest[0].bar, bar(3 * H), "the whole newest bar");
    let daily = fixture.reader.latest(&symbols(&["AAA", "BBB"]), Timeframe::Day1, Timestamp::MAX).unwrap();
    assert_eq!(daily.len(), 1);
    assert_eq!(daily[0].symbol.as_str(), "AAA");
}

fn availability_counts_and_spans_a_series(adapter: Adapter) {
    let fixture = adapter(&market());
    let a = fixture.reader.availability(&symbol("AAA"), Timeframe::Hour1, TimeRange::all()).unwrap();
    assert_eq!((a.count, a.earliest, a.latest), (4, Some(ts(0)), Some(ts(3 * H))));
}

fn latest_as_of_ignores_later_bars(adapter: Adapter) {
    let fixture = adapter(&market());
    let latest = fixture.reader.latest(&symbols(&["AAA", "aaa"]), Timeframe::Hour1, ts(2 * H)).unwrap();
    let got: Vec<(&str, Timestamp)> = latest.iter().map(|l| (l.symbol.as_str(), l.bar.ts)).collect();
    assert_eq!(got, [("AAA", ts(2 * H))], "aaa's only bar is after the as-of time");
}

fn availability_within_a_window_counts_only_its_bars(adapter: Adapter) {
    let fixture = adapter(&market());
    let a = fixture.reader.availability(&symbol("AAA"), Timeframe::Hour1, window(H, 2 * H)).unwrap();
    assert_eq!((a.count, a.earliest, a.latest), (2, Some(ts(H)), Some(ts(2 * H))));
    let a = fixture.reader.availability(&symbol("AAA"), Timeframe::Hour1, window(4 * H, 5 * H)).unwrap();
    assert_eq!((a.count, a.earliest, a.latest), (0, None, None));
}

fn availability_of_unknown_symbol_is_count_zero_without_timestamps(adapter: Adapter) {
    let fixture = adapter(&market());
    let a = fixture.reader.availability(&symbol("NOPE"), Timeframe::Hour1, TimeRange::all()).unwrap();
    assert_eq!((a.count, a.earliest, a.latest), (0, None, None));
    let a = fixture.reader.availability(&symbol("AAA"), Timeframe::Minute1, TimeRange::all()).unwrap();
    assert_eq!(a.count, 0);
}

fn timeframes_come_in_canonical_order(adapter: Adapter) {
    let rows: Vec<StoredRow> = ["1M", "1d", "tick", "1h", "1m", "1H", "weird"]
        .into_iter()
        .map(|timeframe| row("AAA", timeframe, 0))
        .collect();
    let fixture = adapter(&rows);
    let timeframes = fixture.reader.timeframes(&symbol("AAA")).unwrap();
    assert_eq!(
        timeframes,
        [Timeframe::Tick, Timeframe::Minute1, Timeframe::Hour1, Timeframe::Day1, Timeframe::Month1]
    );
    assert!(fixture.reader.timeframes(&symbol("NOPE")).unwrap().is_empty());
}

fn summary_orders_by_symbol_then_timeframe(adapter: Adapter) {
    let fixture = adapter(&market());
    let summary = fixture.reader.summary().unwrap();
    let got: Vec<(&str, Timeframe, u64)> =
        summary.iter().map(|e| (e.symbol.as_str(), e.timeframe, e.availability.count)).collect();
    assert_eq!(
        got,
        [
            ("AAA", Timeframe::Hour1, 4),
            ("AAA", Timeframe::Day1, 1),
            ("BBB", Timeframe::Hour1, 3),
            ("aaa", Timeframe::Hour1, 1)
        ]
    );
}

fn unknown_stored_timeframe_does_not_break_reads_of_other_rows(adapter: Adapter) {
    let fixture = adapter(&market());
    let reader = &fixture.reader;
    assert_eq!(
        reader.range(&request("AAA", Timeframe::Hour1, TimeRange::all(), Fields::ALL)).unwrap().len(),
        4
    );
    assert_eq!(reader.timeframes(&symbol("AAA")).unwrap(), [Timeframe::Hour1, Timeframe::Day1]);
    assert!(reader.summary().unwrap().iter().all(|e| e.availability.latest != Some(ts(9 * H))));
    assert_eq!(
        reader.latest(&symbols(&["AAA"]), Timeframe::Hour1, Timestamp::MAX).unwrap()[0].bar.ts,
        ts(3 * H)
    );
}

fn start_after_end_and_empty_symbol_are_rejected_with_typed_errors(_: Adapter) {
    let err: InvalidArgument = TimeRange::new(ts(2), ts(1)).unwrap_err();
    assert!(err.to_string().contains("is after end"), "{err}");
    let err: ReadError = Symbol::new("").unwrap_err().into();
    assert!(matches!(err, ReadError::InvalidArgument(_)));
    assert!(SymbolSet::parse(&["AAA", ""]).is_err());
    assert!(
        RangeCursor::new(request("AAA", Timeframe::Hour1, TimeRange::all(), Fields::ALL), 0)
            .unwrap_err()
            .to_string()
            .contains("page size 0")
    );
}

fn stream_yields_the_range_in_bounded_batches(adapter: Adapter) {
    let rows: Vec<StoredRow> = (0..10).map(|i| row("AAA", "1m", i * 60_000_000)).collect();
    let fixture = adapter(&rows);
    let req = request("AAA", Timeframe::Minute1, window(60_000_000, 8 * 60_000_000), Fields::ALL);
    let whole = fixture.reader.range(&req).unwrap();
    assert_eq!(whole.len(), 8);
    for batch_rows in [1, 3, 4, 8, 1000] {
        let batches: Vec<_> =
            RangeStream::new(&*fixture.reader, RangeCursor::new(req.clone(), batch_rows).unwrap())
                .collect::<Result<_, _>>()
                .unwrap();
        assert!(batches.iter().all(|b| !b.is_empty() && b.len() <= batch_rows), "batch size {batch_rows}");
        let mut joined = candlewick::domain::BarColumns::default();
        for mut batch in batches {
            joined.append(&mut batch);
        }
        assert_eq!(joined, whole, "batch size {batch_rows}");
    }
}

fn page_continues_strictly_after_the_key(adapter: Adapter) {
    let fixture = adapter(&market());
    let req = request("AAA", Timeframe::Hour1, TimeRange::all(), Fields::CLOSE);
    let two = NonZeroUsize::new(2).unwrap();
    assert_eq!(fixture.reader.page(&req, None, two).unwrap().ts, [0, H]);
    assert_eq!(fixture.reader.page(&req, Some(ts(H)), two).unwrap().ts, [2 * H, 3 * H]);
    assert!(fixture.reader.page(&req, Some(ts(3 * H)), two).unwrap().is_empty());
}

fn bar_before_counts_bars_back_from_an_instant(adapter: Adapter) {
    let fixture = adapter(&market());
    let back = |n| NonZeroUsize::new(n).unwrap();
    let before =
        |at, n| fixture.reader.bar_before(&symbol("AAA"), Timeframe::Hour1, ts(at), back(n)).unwrap();
    assert_eq!(before(3 * H, 1), Some(ts(2 * H)));
    assert_eq!(before(3 * H, 3), Some(ts(0)));
    assert_eq!(before(3 * H, 4), None, "only three bars before");
    assert_eq!(before(3 * H + 1, 1), Some(ts(3 * H)), "strictly before");
}

fn stream_of_an_empty_window_yields_nothing(adapter: Adapter) {
    let fixture = adapter(&market());
    let req = request("AAA", Timeframe::Hour1, window(10 * H, 20 * H), Fields::ALL);
    let mut cursor = RangeCursor::new(req, 2).unwrap();
    assert!(cursor.next_batch(&*fixture.reader).unwrap().is_none());
}

fn open_window_reads_every_bar_including_extremes(adapter: Adapter) {
    // Far from the epoch on both sides, still inside PostgreSQL's range.
    let (early, late) = (-62_000_000_000_000_000, 4_000_000_000_000_000);
    let fixture = adapter(&[row("AAA", "1d", early), row("AAA", "1d", 0), row("AAA", "1d", late)]);
    let bars =
        fixture.reader.range(&request("AAA", Timeframe::Day1, TimeRange::all(), Fields::NONE)).unwrap();
    assert_eq!(bars.ts, [early, 0, late]);
}

/// Declares each case once per adapter: `memory::case` and `postgres::case`.
macro_rules! contract {
    ($($case:ident),* $(,)?) => {
        mod memory {
            $(#[test] fn $case() { super::$case(super::support::memory) })*
        }
        mod postgres {
            $(#[test] fn $case() { super::$case(super::support::postgres) })*
        }
    };
}

contract!(
    range_is_inclusive_at_both_ends,
    range_is_ascending_whatever_the_insert_order,
    range_returns_only_the_requested_fields,
    multi_range_orders_by_symbol_then_timestamp,
    empty_symbol_list_gives_empty_results,
    latest_prices_omit_symbols_without_data_and_order_by_symbol,
    availability_counts_and_spans_a_series,
    latest_as_of_ignores_later_bars,
    availability_within_a_window_counts_only_its_bars,
    availability_of_unknown_symbol_is_count_zero_without_timestamps,
    timeframes_come_in_canonical_order,
    summary_orders_by_symbol_then_timeframe,
    unknown_stored_timeframe_does_not_break_reads_of_other_rows,
    start_after_end_and_empty_symbol_are_rejected_with_typed_errors,
    stream_yields_the_range_in_bounded_batches,
    page_continues_strictly_after_the_key,
    stream_of_an_empty_window_yields_nothing,
    bar_before_counts_bars_back_from_an_instant,
    open_window_reads_every_bar_including_extremes,
);

/// The PostgreSQL reader answers an empty symbol list without a query: once the `market_data`
/// table is gone, any query would fail.
#[test]
fn postgres_empty_symbol_list_runs_no_query() {
    let db = support::migrated_db();
    let settings = candlewick::pg::ConnectionSettings::parse(db.url()).unwrap();
    let reader = candlewick::reader::PgMarketDataReader::connect(&settings, &Default::default()).unwrap();
    db.client().batch_execute("DROP TABLE market_data").unwrap();
    let none = SymbolSet::default();
    assert!(reader.multi_range(&none, Timeframe::Hour1, TimeRange::all(), Fields::ALL).unwrap().is_empty());
    assert!(reader.latest(&none, Timeframe::Hour1, Timestamp::MAX).unwrap().is_empty());
    let err = reader.latest(&symbols(&["AAA"]), Timeframe::Hour1, Timestamp::MAX).unwrap_err();
    assert!(matches!(err, ReadError::Unavailable(_)), "with a symbol the query runs and fails: {err:?}");
}

/// Database internals stay out of the error's message (they may reach a plugin) but remain in
/// its source chain for the host's log.
#[test]
fn postgres_errors_keep_server_messages_out_of_the_display_text() {
    let db = candlewick_testdb::TestDb::new();
    db.client().batch_execute("CREATE TABLE market_data (symbol text)").unwrap();
    let settings = candlewick::pg::ConnectionSettings::parse(db.url()).unwrap();
    let reader = candlewick::reader::PgMarketDataReader::connect(&settings, &Default::default()).unwrap();
    let err = reader.summary().unwrap_err();
    assert_eq!(err.to_string(), "market data source unavailable");
    let chain = support::chain(&err);
    assert!(chain.contains(r#"column "timeframe" does not exist"#), "{chain}");
}

/// A database without `market_data` is refused when the reader connects, suggesting the
/// migration, and a read after the table is gone says the same.
#[test]
fn postgres_without_the_table_says_to_migrate() {
    let db = candlewick_testdb::TestDb::new();
    let settings = candlewick::pg::ConnectionSettings::parse(db.url()).unwrap();
    let err = candlewick::reader::PgMarketDataReader::connect(&settings, &Default::default()).unwrap_err();
    let migrate = "market data source unavailable: no market_data table in this database on its search_path (run `candlewick migrate` first, with the same URL)";
    assert_eq!(support::chain(&err), migrate);

    let db = support::migrated_db();
    let settings = candlewick::pg::ConnectionSettings::parse(db.url()).unwrap();
    let reader = candlewick::reader::PgMarketDataReader::connect(&settings, &Default::default()).unwrap();
    db.client().batch_execute("DROP TABLE market_data").unwrap();
    assert_eq!(support::chain(&reader.summary().unwrap_err()), migrate);
}

/// The reader's sessions are read-only and carry its statement timeout.
#[test]
fn postgres_reader_sessions_are_read_only_with_a_statement_timeout() {
    let db = support::migrated_db();
    let settings = candlewick::pg::ConnectionSettings::parse(db.url()).unwrap();
    let config = candlewick::reader::PgReaderConfig {
        statement_timeout: std::time::Duration::from_millis(1500),
        ..Default::default()
    };
    let session = candlewick::reader::PgMarketDataReader::session_config(&settings, &config);
    let mut client = session.connect(::postgres::NoTls).unwrap();
    let err = client.batch_execute("DELETE FROM market_data").unwrap_err();
    assert!(support::chain(&err).contains("read-only transaction"), "{err:?}");
    let timeout: String = client.query_one("SHOW statement_timeout", &[]).unwrap().get(0);
    assert_eq!(timeout, "1500ms");
}
