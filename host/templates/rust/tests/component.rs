//! The built component, run through Candlewick's fixture host: `cargo test -p {{name}}` after
//! `scripts/build-plugins`.

use candlewick_plugin_test::{Bars, Fields, Input, Plan, SymbolSelector, Timeframe, this_plugin};

fn bars() -> Bars {
    Bars::from_closes("TEST", Timeframe::Hour1, "2024-01-01", &[1.0, 2.0, 3.0, 4.0, 5.0])
}

#[test]
fn mean_of_the_last_period_closes() {
    let output = this_plugin!().run(&bars()).param("period", 3).ok();
    let mean = output.float("mean");
    assert!(mean[0].is_nan() && mean[1].is_nan(), "{mean:?}");
    assert_eq!(mean[2..], [2.0, 3.0, 4.0]);
}

#[test]
fn bars_before_the_window_warm_it_up() {
    let output = this_plugin!()
        .run(&bars())
        .param("period", 3)
        .window("2024-01-01T02:00:00Z", "2024-01-01T04:00:00Z")
        .ok();
    assert_eq!(output.table.ts.len(), 3);
    assert_eq!(output.float("mean"), [2.0, 3.0, 4.0]);
    // The window's 3 bars and the 2 before it that the plan asked for: nothing more.
    assert_eq!(output.rows_read, 5);
}

#[test]
fn the_plan_reads_the_close_with_the_warm_up_of_the_period() {
    let own = |warm_up_bars| Input {
        timeframe: None,
        symbols: SymbolSelector::Own,
        fields: Fields::CLOSE,
        warm_up_bars,
    };
    let plugin = this_plugin!();
    assert_eq!(plugin.plan(&[]), Ok(Plan { inputs: vec![own(19)] }));
    assert_eq!(plugin.plan(&[("period", 200.into())]), Ok(Plan { inputs: vec![own(199)] }));
}

#[test]
fn a_period_below_one_is_refused_with_its_value() {
    let err = this_plugin!().plan(&[("period", 0.into())]).unwrap_err();
    assert!(err.contains(r#"parameter "period" must be an int >= 1, got 0"#), "{err}");
}
