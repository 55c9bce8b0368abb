//! The built `resample` component through the fixture host (`candlewick-plugin-test`).

use candlewick_plugin_test::{Bars, Fields, Input, Plan, SymbolSelector, Timeframe, this_plugin};

/// Twelve hourly bars from midnight, closes 1 … 12 (open = high = low = close, volume 1).
fn hours() -> Bars {
    Bars::from_closes("EURUSD", Timeframe::Hour1, "2024-01-01", &(1..=12).map(f64::from).collect::<Vec<_>>())
}

#[test]
fn hours_become_clock_aligned_4h_bars() {
    let output = this_plugin!().run(&hours()).param("to", "4h").ok();
    let ts: Vec<String> = output.ts().iter().map(|t| t.to_string()).collect();
    assert_eq!(ts, ["2024-01-01T00:00:00Z", "2024-01-01T04:00:00Z", "2024-01-01T08:00:00Z"]);
    assert_eq!(output.float("open"), [1.0, 5.0, 9.0]);
    assert_eq!(output.float("high"), [4.0, 8.0, 12.0]);
    assert_eq!(output.float("low"), [1.0, 5.0, 9.0]);
    assert_eq!(output.float("close"), [4.0, 8.0, 12.0]);
    assert_eq!(output.int("volume"), [4, 4, 4]);
    assert_eq!(output.int("bars"), [4, 4, 4]);
}

#[test]
fn a_partly_covered_period_is_dropped_or_marked() {
    let plugin = this_plugin!();
    let bars = hours();
    // 00:00-04:00 starts before the window: always dropped (its open is not the period's, and the
    // host refuses a sampler's row before what its unit may read). 08:00-12:00 ends after it.
    let window = ("2024-01-01T02:00:00Z", "2024-01-01T10:00:00Z");
    let dropped = plugin.run(&bars).param("to", "4h").window(window.0, window.1).ok();
    assert_eq!(dropped.float("open"), [5.0]);
    let kept =
        plugin.run(&bars).param("to", "4h").param("keep_incomplete", true).window(window.0, window.1).ok();
    assert_eq!(kept.float("open"), [5.0, 9.0]);
    assert_eq!(kept.int("bars"), [4, 3]);
    assert_eq!(kept.int("complete"), [1, 0]);
}

#[test]
fn the_plan_reads_every_field_of_the_own_series_without_warm_up() {
    let own = Input { timeframe: None, symbols: SymbolSelector::Own, fields: Fields::ALL, warm_up_bars: 0 };
    assert_eq!(this_plugin!().plan(&[("to", "1d".into())]), Ok(Plan { inputs: vec![own] }));
    let err = this_plugin!().plan(&[("to", "2h".into())]).unwrap_err();
    assert!(err.contains("to"), "{err}");
}

#[test]
fn a_target_not_above_the_source_is_refused() {
    let err = this_plugin!().run(&hours()).param("to", "1h").call().unwrap_err();
    assert!(err.starts_with("plugin resample on EURUSD: "), "{err}");
    assert!(err.contains("to"), "{err}");
}
