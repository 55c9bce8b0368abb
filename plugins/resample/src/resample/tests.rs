//! Resampler tests: hand-worked periods, window edges, gaps, calendars, and a brute-force check.

use super::*;
use crate::calendar::days_from_civil;
use crate::timeframe::{DAY, MINUTE};
use guest_support::ParamValue;

/// Monday 2024-01-01 00:00 UTC in µs.
const T0: i64 = 19_723 * DAY;

fn config(source: Timeframe, to: &str, keep_incomplete: bool, window: Window) -> Config {
    let specs = param_specs();
    let given = [
        ("to".to_string(), ParamValue::Text(to.into())),
        ("keep_incomplete".to_string(), ParamValue::Boolean(keep_incomplete)),
    ];
    Config::new(&Params::parse(&specs, given).unwrap(), source, window).unwrap()
}

fn config_error(source: Timeframe, to: &str) -> String {
    let specs = param_specs();
    let params = Params::parse(&specs, [("to".to_string(), ParamValue::Text(to.into()))]).unwrap();
    Config::new(&params, source, Window { start: 0, end: 1 }).unwrap_err().to_string()
}

/// A flat bar at `ts` whose OHLC are all `price`.
fn flat(ts: i64, price: f64, volume: i64) -> Bar {
    Bar { ts, open: price, high: price, low: price, close: price, volume }
}

fn run(config: Config, bars: &[Bar]) -> Table {
    let mut resampler = Resampler::new(config);
    for bar in bars {
        resampler.push(*bar).unwrap();
    }
    let table = resampler.finish();
    assert!(table.is_well_formed(), "{table:?}");
    assert_eq!(table.names(), COLUMNS);
    table
}

fn minutes(table: &Table) -> Vec<i64> {
    table.ts.iter().map(|ts| (ts - T0) / MINUTE).collect()
}

fn window_minutes(start: i64, end: i64) -> Window {
    Window { start: T0 + start * MINUTE, end: T0 + end * MINUTE }
}

#[test]
fn resampler_aggregates_ohlcv_per_five_minute_period() {
    let bars: Vec<Bar> = (0..10)
        .map(|i| Bar {
            ts: T0 + i * MINUTE,
            open: 10.0 + i as f64,
            high: if i == 2 { 99.0 } else { 20.0 + i as f64 },
            low: if i == 1 { 0.1 } else { 5.0 - i as f64 * 0.5 },
            close: 11.0 + i as f64,
            volume: i + 1,
        })
        .collect();
    let table = run(config(Timeframe::Min1, "5m", false, window_minutes(0, 9)), &bars);
    assert_eq!(minutes(&table), [0, 5]);
    assert_eq!(table.floats("open"), [10.0, 15.0]);
    assert_eq!(table.floats("high"), [99.0, 29.0]);
    assert_eq!(table.floats("low"), [0.1, 0.5]);
    assert_eq!(table.floats("close"), [15.0, 20.0]);
    assert_eq!(table.ints("volume"), [15, 40]);
    assert_eq!(table.ints("bars"), [5, 5]);
    assert_eq!(table.ints("complete"), [1, 1]);
}

#[test]
fn resampler_drops_incomplete_first_and_last_periods_by_default() {
    let bars: Vec<Bar> = (2..=12).map(|i| flat(T0 + i * MINUTE, i as f64, 1)).collect();
    let table = run(config(Timeframe::Min1, "5m", false, window_minutes(2, 12)), &bars);
    assert_eq!(minutes(&table), [5]);
    assert_eq!(table.ints("bars"), [5]);
}

#[test]
fn resampler_keeps_incomplete_periods_marked_when_asked() {
    let bars: Vec<Bar> = (2..=12).map(|i| flat(T0 + i * MINUTE, i as f64, 1)).collect();
    let table = run(config(Timeframe::Min1, "5m", true, window_minutes(2, 12)), &bars);
    // The first period, 00:00, starts before the window's 00:02: never kept, its open is not the
    // period's and its stamp precedes the unit. The last, 00:10, is kept and marked.
    assert_eq!(minutes(&table), [5, 10]);
    assert_eq!(table.ints("complete"), [1, 0]);
    assert_eq!(table.ints("bars"), [5, 3]);
    assert_eq!(table.floats("open"), [5.0, 10.0]);
    assert_eq!(table.floats("close"), [9.0, 12.0]);
}

#[test]
fn resampler_completes_last_period_exactly_when_its_last_bar_opens_at_window_end() {
    let bars: Vec<Bar> = (0..10).map(|i| flat(T0 + i * MINUTE, 1.0, 1)).collect();
    let covered = run(config(Timeframe::Min1, "5m", true, window_minutes(0, 9)), &bars);
    assert_eq!(covered.ints("complete"), [1, 1]);
    // One µs short of the 00:09 bar: the window cannot hold the period's last bar.
    let short = Window { start: T0, end: T0 + 9 * MINUTE - 1 };
    let table = run(config(Timeframe::Min1, "5m", true, short), &bars[..9]);
    assert_eq!(table.ints("complete"), [1, 0]);
}

#[test]
fn resampler_completes_tick_periods_only_when_window_reaches_their_end() {
    let second = 1_000_000;
    let ticks: Vec<Bar> =
        [0, 61, 299, 300, 599].iter().map(|s| flat(T0 + s * second, *s as f64, 2)).collect();
    let reaching = Window { start: T0, end: T0 + 10 * MINUTE };
    let table = run(config(Timeframe::Tick, "5m", true, reaching), &ticks);
    assert_eq!(minutes(&table), [0, 5]);
    assert_eq!(table.ints("complete"), [1, 1]);
    assert_eq!(table.ints("bars"), [3, 2]);
    assert_eq!(table.ints("volume"), [6, 4]);
    let short = Window { start: T0, end: T0 + 10 * MINUTE - 1 };
    let table = run(config(Timeframe::Tick, "5m", true, short), &ticks);
    assert_eq!(table.ints("complete"), [1, 0]);
}

#[test]
fn resampler_leaves_gaps_without_rows_and_counts_bars_of_gappy_periods() {
    let bars: Vec<Bar> =
        [0, 1, 4, 15, 16, 17, 18, 19].iter().map(|m| flat(T0 + m * MINUTE, 1.0, 1)).collect();
    let table = run(config(Timeframe::Min1, "5m", false, window_minutes(0, 19)), &bars);
    assert_eq!(minutes(&table), [0, 15]);
    assert_eq!(table.ints("bars"), [3, 5]);
    assert_eq!(table.ints("complete"), [1, 1]);
}

#[test]
fn resampler_of_no_bars_is_an_empty_table() {
    let table = run(config(Timeframe::Min1, "1h", true, window_minutes(0, 600)), &[]);
    assert!(table.ts.is_empty());
    assert!(table.columns.iter().all(|c| c.values.is_empty()));
}

#[test]
fn resampler_of_a_single_bar_is_one_incomplete_period() {
    let bars = [Bar { ts: T0 + 5 * MINUTE, open: 1.0, high: 3.0, low: 0.5, close: 2.0, volume: 7 }];
    let dropped = run(config(Timeframe::Min1, "5m", false, window_minutes(5, 5)), &bars);
    assert!(dropped.ts.is_empty());
    let kept = run(config(Timeframe::Min1, "5m", true, window_minutes(5, 5)), &bars);
    assert_eq!(minutes(&kept), [5]);
    assert_eq!(
        (
            kept.floats("open").to_vec(),
            kept.floats("high").to_vec(),
            kept.floats("low").to_vec(),
            kept.floats("close").to_vec()
        ),
        (vec![1.0], vec![3.0], vec![0.5], vec![2.0])
    );
    assert_eq!(
        (kept.ints("volume").to_vec(), kept.ints("bars").to_vec(), kept.ints("complete").to_vec()),
        (vec![7], vec![1], vec![0])
    );
}

#[test]
fn resampler_builds_monday_weeks_from_days() {
    // Daily bars Monday 2024-01-01 to Sunday 2024-01-14.
    let bars: Vec<Bar> = (0..14).map(|d| flat(T0 + d * DAY, d as f64, 1)).collect();
    let whole = Window { start: T0, end: T0 + 13 * DAY };
    let table = run(config(Timeframe::Day1, "1w", false, whole), &bars);
    assert_eq!(table.ts, [T0, T0 + 7 * DAY]);
    assert_eq!(table.floats("close"), [6.0, 13.0]);
    // Ending on Saturday leaves the second week incomplete.
    let short = Window { start: T0, end: T0 + 12 * DAY };
    let table = run(config(Timeframe::Day1, "1w", false, short), &bars[..13]);
    assert_eq!(table.ts, [T0]);
}

#[test]
fn resampler_builds_calendar_months_from_days_across_a_leap_february() {
    let from = days_from_civil(2024, 1, 15);
    let to = days_from_civil(2024, 3, 31);
    let bars: Vec<Bar> = (from..=to).map(|d| flat(d * DAY, d as f64, 1)).collect();
    let window = Window { start: from * DAY, end: to * DAY };
    let table = run(config(Timeframe::Day1, "1M", true, window), &bars);
    let month = |m| days_from_civil(2024, m, 1) * DAY;
    // January starts before the window (the 15th): dropped even when incomplete ones are kept.
    assert_eq!(table.ts, [month(2), month(3)]);
    assert_eq!(table.ints("bars"), [29, 31]);
    assert_eq!(table.ints("complete"), [1, 1]);
    assert_eq!(table.floats("open")[0], days_from_civil(2024, 2, 1) as f64);
    assert_eq!(table.floats("close")[0], days_from_civil(2024, 2, 29) as f64);
}

#[test]
fn resampler_reports_volume_overflow_naming_the_period() {
    let mut resampler = Resampler::new(config(Timeframe::Min1, "5m", false, window_minutes(0, 9)));
    resampler.push(flat(T0, 1.0, i64::MAX)).unwrap();
    let err = resampler.push(flat(T0 + MINUTE, 1.0, 1)).unwrap_err();
    assert_eq!(err, VolumeOverflow { row: "period", start: T0 });
    assert_eq!(err.to_string(), format!("volume of the period starting at {T0} µs overflows s64"));
}

/// The expected table by grouping on `ts - ts mod period`: valid for fixed periods aligned to
/// the epoch (5m … 1d), independent of `Clock` and of the streaming.
fn brute_force(bars: &[Bar], period: i64, source: i64, window: Window) -> Vec<(i64, Bar, i64, bool)> {
    let mut rows: Vec<(i64, Bar, i64, bool)> = Vec::new();
    for bar in bars {
        let start = bar.ts - bar.ts.rem_euclid(period);
        match rows.last_mut() {
            Some((s, agg, n, _)) if *s == start => {
                agg.high = agg.high.max(bar.high);
                agg.low = agg.low.min(bar.low);
                agg.close = bar.close;
                agg.volume += bar.volume;
                *n += 1;
            }
            _ => rows.push((start, *bar, 1, start + period - source <= window.end)),
        }
    }
    // A period starting before the window is dropped whatever the flag.
    rows.retain(|row| row.0 >= window.start);
    rows
}

#[test]
fn resampler_matches_brute_force_grouping_over_gappy_minutes() {
    // A fixed xorshift so the data is varied but the test deterministic.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let window = Window { start: T0 + 37 * MINUTE, end: T0 + 3 * DAY + 7 * MINUTE };
    let mut bars = Vec::new();
    let mut ts = window.start;
    while ts <= window.end {
        let r = next();
        let mid = 100.0 + (r % 1000) as f64 / 10.0;
        let bar = Bar {
            ts,
            open: mid,
            high: mid + (r >> 20) as f64 % 3.0,
            low: mid - (r >> 30) as f64 % 3.0,
            close: mid + 0.5,
            volume: (r >> 40) as i64 % 500,
        };
        bars.push(bar);
        // Mostly consecutive minutes, sometimes a gap of up to three hours.
        ts += if r % 50 == 0 { (r >> 8) as i64 % 180 * MINUTE + MINUTE } else { MINUTE };
    }
    // A bar at the window's end, so that every target's last period is partly covered.
    if let Some(last) = bars.last().copied().filter(|bar| bar.ts < window.end) {
        bars.push(Bar { ts: window.end, ..last });
    }
    let mut kinds = Vec::new();
    for (to, period) in [("5m", 5 * MINUTE), ("1h", 60 * MINUTE), ("4h", 240 * MINUTE), ("1d", DAY)] {
        let table = run(config(Timeframe::Min1, to, true, window), &bars);
        let expected = brute_force(&bars, period, MINUTE, window);
        assert_eq!(table.ts, expected.iter().map(|r| r.0).collect::<Vec<_>>(), "{to} ts");
        assert_eq!(table.floats("open"), expected.iter().map(|r| r.1.open).collect::<Vec<_>>(), "{to}");
        assert_eq!(table.floats("high"), expected.iter().map(|r| r.1.high).collect::<Vec<_>>(), "{to}");
        assert_eq!(table.floats("low"), expected.iter().map(|r| r.1.low).collect::<Vec<_>>(), "{to}");
        assert_eq!(table.floats("close"), expected.iter().map(|r| r.1.close).collect::<Vec<_>>(), "{to}");
        assert_eq!(table.ints("volume"), expected.iter().map(|r| r.1.volume).collect::<Vec<_>>(), "{to}");
        assert_eq!(table.ints("bars"), expected.iter().map(|r| r.2).collect::<Vec<_>>(), "{to}");
        let complete: Vec<i64> = expected.iter().map(|r| i64::from(r.3)).collect();
        assert_eq!(table.ints("complete"), complete, "{to}");
        kinds.extend(complete);
    }
    assert!(kinds.contains(&0) && kinds.contains(&1), "both kinds of period covered");
}

#[test]
fn config_rejects_a_target_not_higher_than_the_source() {
    assert_eq!(
        config_error(Timeframe::Hour1, "1h"),
        r#"parameter "to" must be a timeframe higher than the unit's 1h, got "1h""#
    );
    assert_eq!(
        config_error(Timeframe::Day1, "4h"),
        r#"parameter "to" must be a timeframe higher than the unit's 1d, got "4h""#
    );
    assert_eq!(
        config_error(Timeframe::Month1, "1M"),
        r#"parameter "to" must be a timeframe higher than the unit's 1M, got "1M""#
    );
}

#[test]
fn config_rejects_months_from_weeks() {
    assert_eq!(
        config_error(Timeframe::Week1, "1M"),
        r#"parameter "to" must be a timeframe whose periods hold whole 1w bars, got "1M" (weeks straddle month boundaries)"#
    );
}

#[test]
fn config_rejects_unknown_and_miscased_targets() {
    assert_eq!(
        config_error(Timeframe::Min1, "2h"),
        r#"parameter "to" must be one of 5m, 15m, 30m, 1h, 4h, 1d, 1w, 1M, got "2h""#
    );
    assert!(config_error(Timeframe::Min1, "1H").contains(r#"got "1H""#));
    assert!(config_error(Timeframe::Tick, "1m").contains(r#"got "1m""#), "1m is not a target");
}

#[test]
fn config_accepts_every_target_above_the_source() {
    let specs = param_specs();
    for source in Timeframe::ALL {
        for to in TARGETS {
            let target = Timeframe::parse(to).unwrap();
            let params = Params::parse(&specs, [("to".to_string(), ParamValue::Text(to.into()))]).unwrap();
            let accepted = Config::new(&params, source, Window { start: 0, end: 1 }).is_ok();
            let expected = target > source && !(source == Timeframe::Week1 && target == Timeframe::Month1);
            assert_eq!(accepted, expected, "{source} -> {to}");
        }
    }
}
