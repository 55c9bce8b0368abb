//! Bar sampler tests: hand-worked bars of each kind, exact thresholds, overshoot, the dropped
//! trailing bar, and properties checked against the rows for a longer series.

use super::*;

fn config(kind: &str, threshold: f64) -> Config {
    let specs = param_specs();
    let given = [
        ("kind".to_string(), ParamValue::Text(kind.into())),
        ("threshold".to_string(), ParamValue::Float(threshold)),
    ];
    Config::new(&Params::parse(&specs, given).unwrap()).unwrap()
}

fn config_error(given: Vec<(String, ParamValue)>) -> String {
    let specs = param_specs();
    Config::new(&Params::parse(&specs, given).unwrap()).unwrap_err().to_string()
}

/// Rows as (ts, close, volume).
fn run(config: Config, rows: &[(i64, f64, i64)]) -> Table {
    let mut sampler = BarSampler::new(config);
    for &(ts, close, volume) in rows {
        sampler.push(ts, close, volume).unwrap();
    }
    let table = sampler.finish();
    assert!(table.is_well_formed(), "{table:?}");
    assert_eq!(table.names(), COLUMNS);
    table
}

#[test]
fn tick_bars_take_threshold_rows_and_drop_the_trailing_partial_bar() {
    let rows =
        [(10, 5.0, 1), (20, 7.0, 2), (30, 4.0, 3), (40, 6.0, 4), (50, 3.0, 5), (60, 8.0, 6), (70, 9.0, 7)];
    let table = run(config("tick", 3.0), &rows);
    assert_eq!(table.ts, [10, 40]);
    assert_eq!(table.ints("end_ts"), [30, 60]);
    assert_eq!(table.floats("open"), [5.0, 6.0]);
    assert_eq!(table.floats("high"), [7.0, 8.0]);
    assert_eq!(table.floats("low"), [4.0, 3.0]);
    assert_eq!(table.floats("close"), [4.0, 8.0]);
    assert_eq!(table.ints("volume"), [6, 15]);
    assert_eq!(table.ints("ticks"), [3, 3]);
    // 5×1 + 7×2 + 4×3 = 31; 6×4 + 3×5 + 8×6 = 87.
    assert_eq!(table.floats("dollar"), [31.0, 87.0]);
}

#[test]
fn tick_bars_with_a_fractional_threshold_take_the_next_whole_count() {
    let rows: Vec<(i64, f64, i64)> = (0..7).map(|i| (i, 1.0, 1)).collect();
    let table = run(config("tick", 2.5), &rows);
    assert_eq!(table.ints("ticks"), [3, 3]);
}

#[test]
fn volume_bars_close_on_exact_threshold_and_overshoot_without_splitting() {
    let rows = [(1, 1.0, 4), (2, 1.0, 3), (3, 1.0, 3), (4, 1.0, 12), (5, 1.0, 9), (6, 1.0, 0)];
    let table = run(config("volume", 10.0), &rows);
    // 4+3+3 = 10 closes exactly; 12 alone overshoots; 9+0 stays below and is dropped.
    assert_eq!(table.ts, [1, 4]);
    assert_eq!(table.ints("end_ts"), [3, 4]);
    assert_eq!(table.ints("volume"), [10, 12]);
    assert_eq!(table.ints("ticks"), [3, 1]);
}

#[test]
fn volume_bars_just_below_threshold_stay_open() {
    let table = run(config("volume", 10.0), &[(1, 1.0, 9)]);
    assert!(table.ts.is_empty());
    let table = run(config("volume", 9.5), &[(1, 1.0, 9), (2, 1.0, 1)]);
    assert_eq!(table.ints("volume"), [10]);
}

#[test]
fn dollar_bars_sum_close_times_volume() {
    let rows = [(1, 2.0, 5), (2, 4.0, 1), (3, 0.5, 8), (4, 0.25, 40)];
    let table = run(config("dollar", 14.0), &rows);
    // 2×5 + 4×1 = 14 closes exactly; then 0.5×8 + 0.25×40 = 14 again.
    assert_eq!(table.ts, [1, 3]);
    assert_eq!(table.floats("dollar"), [14.0, 14.0]);
    assert_eq!(table.floats("open"), [2.0, 0.5]);
    assert_eq!(table.floats("close"), [4.0, 0.25]);
}

#[test]
fn volume_bars_never_close_on_zero_volume_rows() {
    let rows: Vec<(i64, f64, i64)> = (0..100).map(|i| (i, 1.0, 0)).collect();
    assert!(run(config("volume", 1.0), &rows).ts.is_empty());
    assert!(run(config("dollar", 1.0), &rows).ts.is_empty());
}

#[test]
fn bars_of_no_rows_is_an_empty_table() {
    let table = run(config("tick", 1.0), &[]);
    assert!(table.ts.is_empty());
    assert!(table.columns.iter().all(|c| c.values.is_empty()));
}

#[test]
fn tick_bars_of_one_row_each_start_and_end_at_that_row() {
    let table = run(config("tick", 1.0), &[(5, 2.0, 3), (9, 1.0, 0)]);
    assert_eq!(table.ts, [5, 9]);
    assert_eq!(table.ints("end_ts"), [5, 9]);
    assert_eq!(table.floats("dollar"), [6.0, 0.0]);
}

#[test]
fn bars_report_volume_overflow_naming_the_bar() {
    let mut sampler = BarSampler::new(config("tick", 5.0));
    sampler.push(7, 1.0, i64::MAX).unwrap();
    let err = sampler.push(8, 1.0, 1).unwrap_err();
    assert_eq!(err.to_string(), "volume of the bar starting at 7 µs overflows s64");
}

/// Rows from a fixed xorshift, with gaps in time.
fn varied_rows(n: usize) -> Vec<(i64, f64, i64)> {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut ts = 1_700_000_000_000_000;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ts += 1 + (state % 3_600_000_000) as i64;
            (ts, 50.0 + (state >> 16) as f64 % 100.0 / 4.0, (state >> 32) as i64 % 300)
        })
        .collect()
}

#[test]
fn tick_bars_match_whole_chunks_of_rows() {
    let rows = varied_rows(1000);
    let table = run(config("tick", 7.0), &rows);
    let chunks: Vec<&[(i64, f64, i64)]> = rows.chunks_exact(7).collect();
    assert_eq!(table.ts, chunks.iter().map(|c| c[0].0).collect::<Vec<_>>());
    assert_eq!(table.ints("end_ts"), chunks.iter().map(|c| c[6].0).collect::<Vec<_>>());
    let max = |c: &[(i64, f64, i64)]| c.iter().map(|r| r.1).fold(f64::MIN, f64::max);
    let min = |c: &[(i64, f64, i64)]| c.iter().map(|r| r.1).fold(f64::MAX, f64::min);
    assert_eq!(table.floats("high"), chunks.iter().map(|c| max(c)).collect::<Vec<_>>());
    assert_eq!(table.floats("low"), chunks.iter().map(|c| min(c)).collect::<Vec<_>>());
    assert_eq!(
        table.ints("volume"),
        chunks.iter().map(|c| c.iter().map(|r| r.2).sum()).collect::<Vec<i64>>()
    );
}

#[test]
fn volume_bars_tile_the_rows_each_reaching_threshold_only_on_its_last_row() {
    let rows = varied_rows(2000);
    let threshold = 1234.0;
    let table = run(config("volume", threshold), &rows);
    let (starts, ends, volumes) = (&table.ts, table.ints("end_ts"), table.ints("volume"));
    assert!(starts.len() > 100, "enough bars to mean something");
    let index = |ts: i64| rows.iter().position(|r| r.0 == ts).unwrap();
    let mut next = 0;
    for ((&start, &end), &volume) in starts.iter().zip(ends).zip(volumes) {
        let (first, last) = (index(start), index(end));
        assert_eq!(first, next, "bars are consecutive, none skipped");
        let sum: i64 = rows[first..=last].iter().map(|r| r.2).sum();
        assert_eq!(volume, sum);
        assert!(sum as f64 >= threshold && ((sum - rows[last].2) as f64) < threshold);
        next = last + 1;
    }
    let rest: i64 = rows[next..].iter().map(|r| r.2).sum();
    assert!((rest as f64) < threshold, "only a partial bar is dropped");
}

#[test]
fn config_rejects_unknown_kind_and_non_positive_threshold() {
    let text = |v: &str| ParamValue::Text(v.into());
    assert_eq!(
        config_error(vec![("kind".into(), text("Volume"))]),
        r#"parameter "kind" must be one of tick, volume, dollar, got "Volume""#
    );
    assert_eq!(
        config_error(vec![("threshold".into(), ParamValue::Float(0.0))]),
        r#"parameter "threshold" must be a finite number > 0, got 0"#
    );
    assert_eq!(
        config_error(vec![("threshold".into(), ParamValue::Float(-5.0))]),
        r#"parameter "threshold" must be a finite number > 0, got -5"#
    );
}

#[test]
fn config_defaults_to_tick_bars_of_1000_rows() {
    let specs = param_specs();
    let config = Config::new(&Params::parse(&specs, []).unwrap()).unwrap();
    assert_eq!(config, Config { kind: Kind::Tick, threshold: 1000.0 });
}
