//! The built `beta` component through the fixture host (`candlewick-plugin-test`), over the real
//! SPY and SPX bars of `tests/fixtures/examples/daily.csv`. Each expected value is computed here
//! from the fixture's rows: the reference's price by a plain search over close times, beta and
//! correlation from their sums. (`host/tests/examples_0_2.rs` checks the same output against
//! pandas.)

use candlewick_plugin_test::{Bars, Fields, ParamValue, SymbolSelector, Timeframe, this_plugin};

const FIXTURE: &str = "../../tests/fixtures/examples/daily.csv";
const DAY: i64 = 86_400_000_000;

/// `(open time µs, close)` of `symbol`'s daily bars in the fixture.
fn closes(symbol: &str) -> Vec<(i64, f64)> {
    let text = std::fs::read_to_string(FIXTURE).unwrap();
    text.lines()
        .skip(1)
        .map(|line| line.split(',').collect::<Vec<_>>())
        .filter(|f| f[1] == symbol)
        .map(|f| (candlewick_plugin_test::Timestamp::parse(f[0]).unwrap().as_micros(), f[6].parse().unwrap()))
        .collect()
}

fn ts(text: &str) -> i64 {
    candlewick_plugin_test::Timestamp::parse(text).unwrap().as_micros()
}

#[test]
fn beta_and_correlation_over_a_short_window_match_their_sums() {
    let window = 5;
    let output = this_plugin!()
        .run(&Bars::file(FIXTURE))
        .series("SPY", Timeframe::Day1)
        .param("window", window as i64)
        .ok();
    let (spy, spx) = (closes("SPY"), closes("SPX"));
    assert_eq!(output.table.ts, spy.iter().map(|(t, _)| *t).collect::<Vec<_>>());
    // SPX's price at each SPY bar: its last bar closed by the SPY bar's close.
    let reference: Vec<f64> =
        spy.iter().map(|(t, _)| spx.iter().rev().find(|(s, _)| s + DAY <= t + DAY).unwrap().1).collect();
    let u: Vec<f64> = spy.windows(2).map(|w| (w[1].1 / w[0].1).ln()).collect();
    let x: Vec<f64> = reference.windows(2).map(|w| (w[1] / w[0]).ln()).collect();
    let (beta, correlation) = (output.float("beta"), output.float("correlation"));
    assert!(beta[..window].iter().all(|v| v.is_nan()), "5 returns need 6 bars");
    for row in window..spy.len() {
        let (u, x) = (&u[row - window..row], &x[row - window..row]);
        let n = window as f64;
        let (su, sx) = (u.iter().sum::<f64>(), x.iter().sum::<f64>());
        let sxy = u.iter().zip(x).map(|(a, b)| a * b).sum::<f64>() - su * sx / n;
        let sxx = x.iter().map(|b| b * b).sum::<f64>() - sx * sx / n;
        let syy = u.iter().map(|a| a * a).sum::<f64>() - su * su / n;
        let (want_beta, want_corr) = (sxy / sxx, sxy / (sxx * syy).sqrt());
        assert!(
            (beta[row] - want_beta).abs() <= 1e-8 * want_beta.abs().max(1.0),
            "row {row}: beta {} vs {want_beta}",
            beta[row]
        );
        assert!(
            (correlation[row] - want_corr).abs() <= 1e-8,
            "row {row}: correlation {} vs {want_corr}",
            correlation[row]
        );
    }
}

#[test]
fn a_missing_reference_bar_carries_its_price() {
    let output = this_plugin!().run(&Bars::file(FIXTURE)).series("SPY", Timeframe::Day1).ok();
    let spx = closes("SPX");
    let close = |day: &str| spx.iter().find(|(t, _)| *t == ts(day)).unwrap().1;
    let row = |day: &str| output.table.ts.iter().position(|t| *t == ts(day)).unwrap();
    let returns = output.float("reference_log_return");
    // No SPX bar on 2018-06-15: SPY's row sees 06-14's again.
    assert!(!spx.iter().any(|(t, _)| *t == ts("2018-06-15")));
    assert_eq!(returns[row("2018-06-15")], 0.0);
    let spans = (close("2018-06-18") / close("2018-06-14")).ln();
    assert!((returns[row("2018-06-18")] - spans).abs() <= 1e-15);
    assert!(output.float("beta")[row("2018-06-15")].is_finite());
}

#[test]
fn the_plan_reads_the_reference_at_the_units_timeframe_and_refuses_what_is_not_stored() {
    let plan = this_plugin!()
        .plan(&[("reference", ParamValue::from("SPX")), ("window", ParamValue::Int(20))])
        .unwrap();
    assert_eq!(plan.inputs.len(), 2);
    assert_eq!((plan.inputs[0].fields, plan.inputs[0].warm_up_bars), (Fields::CLOSE, 20));
    assert!(matches!(&plan.inputs[1].symbols, SymbolSelector::Fixed(s) if s.as_str() == "SPX"));
    assert_eq!((plan.inputs[1].timeframe, plan.inputs[1].warm_up_bars), (None, 41));
    let err = this_plugin!()
        .run(&Bars::file(FIXTURE))
        .series("SPY", Timeframe::Day1)
        .param("reference", "NDX")
        .call()
        .unwrap_err();
    assert!(err.contains("NDX") && err.contains("no NDX 1d bars"), "{err}");
}
