//! Event sampler tests: window edges, warm-up, a hand-worked series, early stop, unresolved
//! events, and a comparison with a whole-array computation.

use super::*;

fn config(h: f64, profit_take: f64, stop_loss: f64, vertical_bars: i64) -> Config {
    let specs = param_specs();
    let given = [
        ("cusum_threshold".to_string(), ParamValue::Float(h)),
        ("profit_take".to_string(), ParamValue::Float(profit_take)),
        ("stop_loss".to_string(), ParamValue::Float(stop_loss)),
        ("vertical_bars".to_string(), ParamValue::Int(vertical_bars)),
    ];
    Config::new(&Params::parse(&specs, given).unwrap()).unwrap()
}

/// Feeds rows until the sampler says stop, as the plugin does; returns the table and how many
/// rows it took.
fn run(config: Config, window: Window, rows: &[(i64, f64)]) -> (Table, usize) {
    let mut sampler = EventSampler::new(config, window);
    let mut taken = 0;
    for &(ts, close) in rows {
        taken += 1;
        if sampler.push(ts, close).unwrap().is_break() {
            break;
        }
    }
    let table = sampler.finish();
    assert!(table.is_well_formed(), "{table:?}");
    assert_eq!(table.names(), COLUMNS);
    (table, taken)
}

#[test]
fn sampler_labels_a_hand_worked_series() {
    // h = 0.05, take +10%, stop -5%, vertical 3 bars; the window is ts 1..=8, ts 0 is warm-up.
    let rows = [
        (0, 100.0),
        (1, 100.0),
        (2, 110.0),
        (3, 112.0),
        (4, 104.0),
        (5, 105.0),
        (6, 106.0),
        (7, 107.0),
        (8, 108.0),
    ];
    // ts 2: ln(1.1) = 0.0953 > h, event at 110. ts 3: +1.8%. ts 4: 104 / 110 - 1 = -5.45%, a stop;
    // ln(104 / 112) = -0.0741 < -h, event at 104. ts 5..7: +0.96%, +1.92%, +2.88%: vertical at 7.
    // s_pos then climbs by about 0.0094 a bar and is 0.0377 at ts 8, short of h.
    let (table, _) = run(config(0.05, 0.1, 0.05, 3), Window { start: 1, end: 8 }, &rows);
    assert_eq!(table.ts, [2, 4]);
    assert_eq!(table.ints("label"), [-1, 0]);
    assert_eq!(table.floats("ret"), [104.0 / 110.0 - 1.0, 107.0 / 104.0 - 1.0]);
    assert_eq!(table.ints("t1"), [4, 7]);
    assert_eq!(table.ints("barrier"), [-1, 0]);
    assert_eq!(table.ints("resolved"), [1, 1]);
}

#[test]
fn sampler_uses_the_warm_up_close_for_the_first_window_return() {
    let rows = [(5, 100.0), (10, 110.0), (20, 110.0)];
    let (table, _) = run(config(0.05, 0.5, 0.5, 1), Window { start: 10, end: 20 }, &rows);
    assert_eq!(table.ts, [10]);
}

#[test]
fn sampler_without_warm_up_bar_has_no_return_at_the_first_window_bar() {
    let rows = [(10, 100.0), (20, 110.0), (30, 110.0)];
    let (table, _) = run(config(0.05, 0.5, 0.5, 1), Window { start: 10, end: 30 }, &rows);
    assert_eq!(table.ts, [20]);
}

#[test]
fn sampler_starts_cusum_at_zero_at_the_window_start() {
    // ln(1.04) = 0.0392 twice would pass h = 0.05, but the first is warm-up and does not count.
    let rows = [(1, 100.0), (2, 104.0), (10, 108.16), (20, 108.16)];
    let (table, _) = run(config(0.05, 0.5, 0.5, 1), Window { start: 10, end: 20 }, &rows);
    assert!(table.ts.is_empty(), "{:?}", table.ts);
    // Moves inside the warm-up never fire.
    let rows = [(1, 100.0), (2, 200.0), (3, 100.0), (10, 100.0)];
    let (table, _) = run(config(0.05, 0.5, 0.5, 1), Window { start: 10, end: 20 }, &rows);
    assert!(table.ts.is_empty(), "{:?}", table.ts);
}

#[test]
fn sampler_detects_nothing_past_the_window_but_labels_with_those_bars() {
    let rows = [(10, 100.0), (20, 110.0), (30, 220.0), (40, 440.0)];
    let (table, taken) = run(config(0.05, 0.5, 0.5, 5), Window { start: 10, end: 20 }, &rows);
    assert_eq!(table.ts, [20]);
    assert_eq!((table.ints("label").to_vec(), table.ints("t1").to_vec()), (vec![1], vec![30]));
    assert_eq!(table.floats("ret"), [1.0]);
    assert_eq!(taken, 3, "stops once the last event resolved after the window");
}

#[test]
fn sampler_stops_at_the_window_end_when_no_event_is_open() {
    let rows = [(10, 100.0), (20, 100.0), (30, 100.0)];
    let mut sampler = EventSampler::new(config(0.05, 0.5, 0.5, 5), Window { start: 10, end: 20 });
    assert_eq!(sampler.push(10, 100.0), Ok(ControlFlow::Continue(())));
    assert_eq!(sampler.push(20, 100.0), Ok(ControlFlow::Break(())));
    let (_, taken) = run(config(0.05, 0.5, 0.5, 5), Window { start: 10, end: 20 }, &rows);
    assert_eq!(taken, 2);
}

#[test]
fn sampler_reports_events_cut_short_by_the_data_as_unresolved() {
    // The event at ts 20 sees one later bar (+2%) of the three its vertical barrier needs.
    let rows = [(10, 100.0), (20, 150.0), (30, 153.0)];
    let (table, _) = run(config(0.05, 0.5, 0.5, 3), Window { start: 10, end: 30 }, &rows);
    assert_eq!(table.ts, [20]);
    assert_eq!(table.ints("resolved"), [0]);
    assert_eq!(table.ints("label"), [0]);
    assert_eq!(table.ints("t1"), [30]);
    assert_eq!(table.floats("ret"), [153.0 / 150.0 - 1.0]);
}

#[test]
fn sampler_reports_an_event_on_the_last_bar_as_unresolved_at_itself() {
    let rows = [(10, 100.0), (20, 150.0)];
    let (table, _) = run(config(0.05, 0.5, 0.5, 3), Window { start: 10, end: 20 }, &rows);
    assert_eq!(
        (table.ints("resolved").to_vec(), table.ints("t1").to_vec(), table.floats("ret").to_vec()),
        (vec![0], vec![20], vec![0.0])
    );
}

#[test]
fn sampler_of_no_bars_or_one_bar_has_no_events() {
    let window = Window { start: 10, end: 20 };
    let (table, _) = run(config(0.01, 0.01, 0.01, 20), window, &[]);
    assert!(table.ts.is_empty() && table.columns.iter().all(|c| c.values.is_empty()));
    let (table, _) = run(config(0.01, 0.01, 0.01, 20), window, &[(15, 100.0)]);
    assert!(table.ts.is_empty());
}

#[test]
fn sampler_rejects_closes_without_a_logarithm() {
    let mut sampler = EventSampler::new(config(0.01, 0.01, 0.01, 20), Window { start: 0, end: 10 });
    let err = sampler.push(3, -37.5).unwrap_err();
    assert_eq!(
        err.to_string(),
        "close -37.5 at 3 µs is not a positive number (log returns need positive closes)"
    );
    assert!(sampler.push(4, 0.0).is_err());
    assert!(sampler.push(5, f64::NAN).is_err());
}

#[test]
fn config_rejects_out_of_range_params() {
    let specs = param_specs();
    let error = |name: &str, value: ParamValue| {
        let params = Params::parse(&specs, [(name.to_string(), value)]).unwrap();
        Config::new(&params).unwrap_err().to_string()
    };
    assert_eq!(
        error("vertical_bars", ParamValue::Int(0)),
        r#"parameter "vertical_bars" must be an int >= 1, got 0"#
    );
    assert_eq!(
        error("cusum_threshold", ParamValue::Float(0.0)),
        r#"parameter "cusum_threshold" must be a finite number > 0, got 0"#
    );
    assert!(error("profit_take", ParamValue::Float(-0.01)).starts_with(r#"parameter "profit_take""#));
    assert!(error("stop_loss", ParamValue::Float(f64::INFINITY)).starts_with(r#"parameter "stop_loss""#));
}

/// The expected rows, computed over the whole array at once: CUSUM over the window's indices
/// (AFML snippet 2.4 as written), then a forward scan of indices for each event.
fn whole_array(
    rows: &[(i64, f64)],
    window: Window,
    h: f64,
    take: f64,
    stop: f64,
    vertical: usize,
) -> Vec<(i64, i64, f64, i64, i64)> {
    let (mut pos, mut neg, mut events) = (0.0_f64, 0.0_f64, Vec::new());
    for i in 1..rows.len() {
        if !window.contains(rows[i].0) {
            continue;
        }
        let r = (rows[i].1 / rows[i - 1].1).ln();
        pos = (pos + r).max(0.0);
        neg = (neg + r).min(0.0);
        if neg < -h {
            neg = 0.0;
            events.push(i);
        } else if pos > h {
            pos = 0.0;
            events.push(i);
        }
    }
    let mut expected = Vec::new();
    for e in events {
        let close0 = rows[e].1;
        let last = (e + vertical).min(rows.len() - 1);
        let mut row = (rows[e].0, 0, 0.0, rows[e].0, 0);
        for (j, &(ts, close)) in rows.iter().enumerate().take(last + 1).skip(e + 1) {
            let ret = close / close0 - 1.0;
            row = (rows[e].0, 0, ret, ts, 0);
            if ret >= take {
                row = (rows[e].0, 1, ret, ts, 1);
                break;
            } else if ret <= -stop {
                row = (rows[e].0, -1, ret, ts, 1);
                break;
            } else if j == e + vertical {
                row = (rows[e].0, 0, ret, ts, 1);
            }
        }
        expected.push(row);
    }
    expected
}

#[test]
fn sampler_matches_a_whole_array_computation_on_a_random_walk() {
    let mut state: u64 = 0x5DEE_CE66_D1CE_4E5B;
    let mut close = 100.0;
    let rows: Vec<(i64, f64)> = (0..5000)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            close *= 1.0 + ((state >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 0.02;
            // Irregular spacing: the barriers count bars, not time.
            (i * 60 + (state % 7) as i64, close)
        })
        .collect();
    // The window ends 3 bars before the data does, so late events are cut short.
    let window = Window { start: rows[300].0, end: rows[4996].0 };
    let (h, take, stop, vertical) = (0.01, 0.015, 0.01, 8);
    let (table, _) = run(config(h, take, stop, vertical as i64), window, &rows);
    let expected = whole_array(&rows, window, h, take, stop, vertical);
    assert!(expected.len() > 200, "{} events: enough to mean something", expected.len());
    assert!(expected.iter().any(|r| r.4 == 0), "some event must be unresolved");
    for label in [-1, 0, 1] {
        assert!(expected.iter().any(|r| r.4 == 1 && r.1 == label), "label {label} must occur");
    }
    assert_eq!(table.ts, expected.iter().map(|r| r.0).collect::<Vec<_>>());
    assert_eq!(table.ints("label"), expected.iter().map(|r| r.1).collect::<Vec<_>>());
    assert_eq!(table.floats("ret"), expected.iter().map(|r| r.2).collect::<Vec<_>>());
    assert_eq!(table.ints("t1"), expected.iter().map(|r| r.3).collect::<Vec<_>>());
    assert_eq!(table.ints("barrier"), expected.iter().map(|r| r.1).collect::<Vec<_>>());
    assert_eq!(table.ints("resolved"), expected.iter().map(|r| r.4).collect::<Vec<_>>());
}
