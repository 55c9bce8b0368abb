//! The built `events` component through the fixture host (`candlewick-plugin-test`): CUSUM events,
//! triple-barrier labels, and labels that look forward no further than as-of.

use candlewick_plugin_test::{Bars, Fields, Input, Plan, SymbolSelector, Timeframe, this_plugin};

fn hours(closes: &[f64]) -> Bars {
    Bars::from_closes("EURUSD", Timeframe::Hour1, "2024-01-01", closes)
}

#[test]
fn a_jump_is_an_event_labelled_by_the_first_barrier_it_touches() {
    // ln(103/100) = 0.0296 > 0.02 fires at bar 2; bar 3 is +1.07% from 103: profit-take.
    let output = this_plugin!()
        .run(&hours(&[100.0, 100.0, 103.0, 104.1, 103.0, 103.0]))
        .param("cusum_threshold", 0.02)
        .param("profit_take", 0.01)
        .param("stop_loss", 0.01)
        .param("vertical_bars", 3)
        .ok();
    assert_eq!(output.ts().iter().map(|t| t.to_string()).collect::<Vec<_>>(), ["2024-01-01T02:00:00Z"]);
    assert_eq!(output.int("label"), [1]);
    assert_eq!(output.int("resolved"), [1]);
    assert_eq!(output.int("t1"), [output.table.ts[0] + 3_600_000_000]);
    assert!((output.float("ret")[0] - (104.1 / 103.0 - 1.0)).abs() < 1e-12);
}

#[test]
fn labels_look_forward_only_up_to_as_of() {
    let plugin = this_plugin!();
    let bars = hours(&[100.0, 100.0, 103.0, 103.5, 104.5]);
    let run = |as_of: &str| {
        plugin
            .run(&bars)
            .param("cusum_threshold", 0.02)
            .param("vertical_bars", 3)
            .window("2024-01-01T00:00:00Z", "2024-01-01T03:00:00Z")
            .as_of(as_of)
            .ok()
    };
    // As-of at the window's end: bar 4 does not exist for the plugin, so the event is unresolved.
    let blind = run("2024-01-01T03:00:00Z");
    assert_eq!((blind.int("resolved"), blind.int("label")), (&[0][..], &[0][..]));
    // One bar more of as-of: bar 4 is +1.46% from 103, a profit-take.
    let seeing = run("2024-01-01T04:00:00Z");
    assert_eq!((seeing.int("resolved"), seeing.int("label")), (&[1][..], &[1][..]));
}

#[test]
fn the_plan_reads_closes_of_the_own_series_with_one_bar_of_warm_up() {
    let own = Input { timeframe: None, symbols: SymbolSelector::Own, fields: Fields::CLOSE, warm_up_bars: 1 };
    assert_eq!(this_plugin!().plan(&[("vertical_bars", 10.into())]), Ok(Plan { inputs: vec![own] }));
}

#[test]
fn a_vertical_barrier_below_one_bar_is_refused() {
    let err = this_plugin!().run(&hours(&[1.0, 2.0])).param("vertical_bars", 0).call().unwrap_err();
    assert!(err.contains("vertical_bars"), "{err}");
}
