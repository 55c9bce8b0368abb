//! The built `xsection` component through the fixture host (`candlewick-plugin-test`), over the
//! real SPY, SPX and EURUSD daily bars of `tests/fixtures/examples/daily.csv`. Each expected value
//! is computed here from the fixture's rows. (`host/tests/examples_0_2.rs` checks every symbol's
//! output against pandas.)

use std::collections::BTreeMap;

use candlewick_plugin_test::{Bars, Fields, ParamValue, SymbolSelector, Timeframe, this_plugin};

const FIXTURE: &str = "../../tests/fixtures/examples/daily.csv";

/// Every symbol's `(open time µs, close)` daily bars in the fixture.
fn closes() -> BTreeMap<String, Vec<(i64, f64)>> {
    let mut out: BTreeMap<String, Vec<(i64, f64)>> = BTreeMap::new();
    for line in std::fs::read_to_string(FIXTURE).unwrap().lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let ts = candlewick_plugin_test::Timestamp::parse(f[0]).unwrap().as_micros();
        out.entry(f[1].to_owned()).or_default().push((ts, f[6].parse().unwrap()));
    }
    out
}

#[test]
fn one_row_per_bar_and_each_rank_and_zscore_from_the_momenta_at_its_time() {
    let lookback = 5;
    let bars = Bars::file(FIXTURE);
    let closes = closes();
    // Each symbol's momentum by time: close / close five bars back − 1.
    let momentum: BTreeMap<&str, BTreeMap<i64, f64>> = closes
        .iter()
        .map(|(symbol, bars)| {
            let by_time = (lookback..bars.len()).map(|i| (bars[i].0, bars[i].1 / bars[i - lookback].1 - 1.0));
            (symbol.as_str(), by_time.collect())
        })
        .collect();
    for (symbol, series) in &closes {
        let output =
            this_plugin!().run(&bars).series(symbol, Timeframe::Day1).param("lookback", lookback as i64).ok();
        assert_eq!(output.table.ts, series.iter().map(|(t, _)| *t).collect::<Vec<_>>(), "{symbol}");
        for (row, &(ts, _)) in series.iter().enumerate() {
            let mine = momentum[symbol.as_str()].get(&ts).copied();
            let got = output.float("momentum")[row];
            assert_eq!(got.to_bits(), mine.unwrap_or(f64::NAN).to_bits(), "{symbol} row {row}");
            let others: Vec<f64> = momentum.values().filter_map(|m| m.get(&ts).copied()).collect();
            let (rank, zscore) = (output.float("rank")[row], output.float("zscore")[row]);
            let Some(m) = mine.filter(|_| others.len() >= 2) else {
                assert!(rank.is_nan() && zscore.is_nan(), "{symbol} row {row}: {rank} {zscore}");
                continue;
            };
            let n = others.len() as f64;
            let below = others.iter().filter(|o| **o < m).count() as f64;
            let ties = others.iter().filter(|o| **o == m).count() as f64;
            let want_rank = (below + (ties + 1.0) / 2.0 - 1.0) / (n - 1.0);
            let mean = others.iter().sum::<f64>() / n;
            let sd = (others.iter().map(|o| (o - mean).powi(2)).sum::<f64>() / n).sqrt();
            assert_eq!(rank, want_rank, "{symbol} row {row}");
            assert!((zscore - (m - mean) / sd).abs() <= 1e-12, "{symbol} row {row}: {zscore}");
        }
    }
}

#[test]
fn the_plan_reads_every_symbols_closes_with_the_look_back() {
    let plan = this_plugin!().plan(&[("lookback", ParamValue::Int(20))]).unwrap();
    let [input] = plan.inputs.as_slice() else { panic!("one input expected: {plan:?}") };
    assert_eq!(input.symbols, SymbolSelector::Every);
    assert_eq!((input.timeframe, input.fields, input.warm_up_bars), (None, Fields::CLOSE, 20));
    let err = this_plugin!().plan(&[("lookback", ParamValue::Int(0))]).unwrap_err();
    assert!(err.contains("lookback") && err.contains("1..=10000"), "{err}");
}
