//! The built `mtf` component through the fixture host (`candlewick-plugin-test`), over the real
//! EURUSD bars of `tests/fixtures/examples/eurusd_mtf.csv`. Each expected value is computed here
//! from the fixture's rows: the as-of join by a plain search over close times, Wilder's RSI by
//! its definition. (`host/tests/examples_0_2.rs` checks the same output against pandas.)

use candlewick_plugin_test::{Bars, Fields, ParamValue, SymbolSelector, Timeframe, this_plugin};

const FIXTURE: &str = "../../tests/fixtures/examples/eurusd_mtf.csv";
const HOUR: i64 = 3_600_000_000;
const DAY: i64 = 24 * HOUR;
const WEEK: i64 = 7 * DAY;

/// One bar of the fixture: its timeframe, open time (µs), high and close.
struct Bar {
    timeframe: String,
    ts: i64,
    high: f64,
    close: f64,
}

fn fixture(timeframe: &str) -> Vec<Bar> {
    let text = std::fs::read_to_string(FIXTURE).unwrap();
    text.lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let ts = candlewick_plugin_test::Timestamp::parse(f[0]).unwrap().as_micros();
            Bar { timeframe: f[2].to_owned(), ts, high: f[4].parse().unwrap(), close: f[6].parse().unwrap() }
        })
        .filter(|bar| bar.timeframe == timeframe)
        .collect()
}

/// The index of the last bar of `bars` (of length `step`) closed by `close`.
fn as_of(bars: &[Bar], step: i64, close: i64) -> Option<usize> {
    bars.iter().rposition(|bar| bar.ts + step <= close)
}

/// Wilder's RSI by its definition: means of the first `period` gains and losses, then
/// `avg = (avg × (period − 1) + x) / period`.
fn wilder_rsi(closes: &[f64], period: usize) -> Vec<f64> {
    let mut out = vec![f64::NAN; closes.len()];
    let change = |i: usize| closes[i] - closes[i - 1];
    let (mut gain, mut loss) = (0.0, 0.0);
    for i in 1..=period {
        gain += change(i).max(0.0) / period as f64;
        loss += (-change(i)).max(0.0) / period as f64;
    }
    out[period] = 100.0 * gain / (gain + loss);
    for (i, value) in out.iter_mut().enumerate().skip(period + 1) {
        gain = (gain * (period - 1) as f64 + change(i).max(0.0)) / period as f64;
        loss = (loss * (period - 1) as f64 + (-change(i)).max(0.0)) / period as f64;
        *value = 100.0 * gain / (gain + loss);
    }
    out
}

#[test]
fn each_row_sees_the_last_daily_and_weekly_bars_closed_by_its_close() {
    let output = this_plugin!().run(&Bars::file(FIXTURE)).series("EURUSD", Timeframe::Hour1).ok();
    let (hourly, daily, weekly) = (fixture("1h"), fixture("1d"), fixture("1w"));
    assert_eq!(output.table.ts, hourly.iter().map(|bar| bar.ts).collect::<Vec<_>>());
    let closes: Vec<f64> = daily.iter().map(|bar| bar.close).collect();
    let rsi = wilder_rsi(&closes, 14);
    for (i, row) in hourly.iter().enumerate() {
        let close = row.ts + HOUR;
        let day = as_of(&daily, DAY, close).expect("the fixture's daily bars start long before");
        let week = &weekly[as_of(&weekly, WEEK, close).expect("and its weekly bars")];
        let (got, want) = (output.float("daily_rsi")[i], rsi[day]);
        assert!((got - want).abs() <= 1e-9 * want, "row {i}: daily_rsi {got}, Wilder {want}");
        let (got, want) = (output.float("prior_week_high_distance")[i], (row.close - week.high) / week.high);
        assert!((got - want).abs() <= 1e-15, "row {i}: distance {got}, expected {want}");
    }
}

#[test]
fn the_daily_value_changes_exactly_at_the_rows_that_close_on_a_daily_close() {
    let output = this_plugin!().run(&Bars::file(FIXTURE)).series("EURUSD", Timeframe::Hour1).ok();
    let (hourly, daily) = (fixture("1h"), fixture("1d"));
    let rsi = output.float("daily_rsi");
    let mut changes = 0;
    for i in 1..hourly.len() {
        let (before, now) = (hourly[i - 1].ts + HOUR, hourly[i].ts + HOUR);
        let a_day_closed = daily.iter().any(|bar| before < bar.ts + DAY && bar.ts + DAY <= now);
        assert_eq!(rsi[i] != rsi[i - 1], a_day_closed, "row {i}");
        changes += usize::from(a_day_closed);
    }
    // 17 trading days and 3 Sundays' short bars close in the 430 rows.
    assert_eq!(changes, 20);
}

#[test]
fn the_plan_reads_daily_closes_for_the_rsis_warm_up_and_weekly_highs() {
    let plan = this_plugin!().plan(&[("rsi_period", ParamValue::Int(2))]).unwrap();
    let inputs: Vec<_> = plan.inputs.iter().map(|i| (i.timeframe, i.fields, i.warm_up_bars)).collect();
    // RSI(2): 2 bars of look-back, ln(1e-12) / ln(1/2) = 39.9 → 40 for the seed, 1 open day.
    assert_eq!(
        inputs,
        [
            (None, Fields::CLOSE, 0),
            (Some(Timeframe::Day1), Fields::CLOSE, 43),
            (Some(Timeframe::Week1), Fields::HIGH, 2)
        ]
    );
    assert!(plan.inputs.iter().all(|i| i.symbols == SymbolSelector::Own));
    let err = this_plugin!().plan(&[("rsi_period", ParamValue::Int(1001))]).unwrap_err();
    assert!(err.contains("rsi_period") && err.contains("2..=1000"), "{err}");
}
