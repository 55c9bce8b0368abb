//! The built `bars` component through the fixture host (`candlewick-plugin-test`).

use candlewick_plugin_test::{Bars, Fields, Input, Plan, SymbolSelector, Timeframe, Timestamp, this_plugin};

const CLOSES: [f64; 10] = [10.0, 12.0, 11.0, 13.0, 9.0, 10.0, 14.0, 15.0, 13.0, 16.0];

fn minutes() -> Bars {
    Bars::from_closes("SPY", Timeframe::Minute1, "2024-03-01T14:30:00Z", &CLOSES)
}

#[test]
fn tick_bars_close_every_threshold_rows_and_drop_the_partial_one() {
    let output = this_plugin!().run(&minutes()).param("kind", "tick").param("threshold", 3.0).ok();
    // Ten rows make three bars of three; the tenth row is a partial bar, dropped.
    assert_eq!(output.int("ticks"), [3, 3, 3]);
    assert_eq!(output.float("open"), [10.0, 13.0, 14.0]);
    assert_eq!(output.float("high"), [12.0, 13.0, 15.0]);
    assert_eq!(output.float("low"), [10.0, 9.0, 13.0]);
    assert_eq!(output.float("close"), [11.0, 10.0, 13.0]);
    let minute = 60_000_000;
    let first = Timestamp::parse("2024-03-01T14:30:00Z").unwrap().as_micros();
    assert_eq!(output.table.ts, [first, first + 3 * minute, first + 6 * minute]);
    assert_eq!(output.int("end_ts"), [first + 2 * minute, first + 5 * minute, first + 8 * minute]);
}

#[test]
fn dollar_bars_sum_close_times_volume() {
    // Volume 1 per row: a dollar bar closes once the closes add up to the threshold.
    let output = this_plugin!().run(&minutes()).param("kind", "dollar").param("threshold", 30.0).ok();
    assert_eq!(output.float("dollar"), [33.0, 32.0, 42.0]);
    assert_eq!(output.int("ticks"), [3, 3, 3]);
}

#[test]
fn the_plan_reads_close_and_volume_of_the_own_series_without_warm_up() {
    let own = Input {
        timeframe: None,
        symbols: SymbolSelector::Own,
        fields: Fields::CLOSE | Fields::VOLUME,
        warm_up_bars: 0,
    };
    assert_eq!(this_plugin!().plan(&[("threshold", 50.0.into())]), Ok(Plan { inputs: vec![own] }));
}

#[test]
fn a_threshold_of_zero_is_refused() {
    let plugin = this_plugin!();
    let err = plugin.run(&minutes()).param("threshold", 0.0).call().unwrap_err();
    assert!(err.contains("threshold"), "{err}");
    // Refused by the plan already, before any unit.
    let err = plugin.plan(&[("threshold", 0.0.into())]).unwrap_err();
    assert!(err.contains("threshold"), "{err}");
}
