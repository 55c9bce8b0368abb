//! The contract 0.2 example plugins (`plugins/mtf`, `plugins/beta`, `plugins/xsection`) checked
//! against an independent computation: each plugin's output from `candlewick test --csv` over real
//! bars (`tests/fixtures/examples`) equals, row by row, what its `reference.py` computes from the
//! same file with pandas (`merge_asof` on close times, rolling `cov`/`var`/`corr`, `rank` and
//! `std`), within [`TOLERANCE`]. The rows where alignment can go wrong are asserted by name: an
//! hourly row at a daily close (23:00), the rows around a weekend gap, the row at a weekly close,
//! a unit bar where the reference symbol has none.
//!
//! The references run in the venv `scripts/test` installs (`scripts/lib/reference-toolchain.sh`);
//! without it these tests fail, saying how to install it: they never skip.

mod support;

use std::path::PathBuf;
use std::process::Command;

use support::{candlewick, plugin_wasm, repo_path, stderr};

/// How close a plugin's value must be to the reference's: `|actual − expected| ≤ TOLERANCE ×
/// max(1, |expected|)`, as `candlewick test --tolerance` compares; NaN only matches NaN. Measured
/// on these fixtures the largest difference is 1e-13 relative (pandas' rolling covariance
/// accumulates in another order; the RSI's seed is 388 daily bars back in the plugin, 471 in the
/// reference).
const TOLERANCE: f64 = 1e-9;

const MTF_FIXTURE: &str = "tests/fixtures/examples/eurusd_mtf.csv";
const DAILY_FIXTURE: &str = "tests/fixtures/examples/daily.csv";

/// A CSV as both sides print it: a header, then rows of plain cells (no quoting needed).
#[derive(Debug)]
struct Csv {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Csv {
    fn parse(what: &str, text: &str) -> Csv {
        let mut lines = text.lines();
        let header = lines.next().unwrap_or_else(|| panic!("{what} printed nothing"));
        let split = |line: &str| line.split(',').map(str::to_owned).collect::<Vec<_>>();
        Csv { header: split(header), rows: lines.map(split).collect() }
    }

    fn column_index(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.header))
    }

    /// The text of column `name` in every row.
    fn column(&self, name: &str) -> Vec<&str> {
        let i = self.column_index(name);
        self.rows.iter().map(|row| row[i].as_str()).collect()
    }

    fn floats(&self, name: &str) -> Vec<f64> {
        self.column(name)
            .iter()
            .map(|v| v.parse().unwrap_or_else(|_| panic!("{name}: {v:?} is not a number")))
            .collect()
    }

    /// The rows whose `key` column is `value`.
    fn filter(&self, key: &str, value: &str) -> Csv {
        let i = self.column_index(key);
        Csv {
            header: self.header.clone(),
            rows: self.rows.iter().filter(|row| row[i] == value).cloned().collect(),
        }
    }

    /// Column `name` at the row whose `ts` is `ts`.
    fn at(&self, ts: &str, name: &str) -> &str {
        let (t, i) = (self.column_index("ts"), self.column_index(name));
        let row = self.rows.iter().find(|row| row[t] == ts).unwrap_or_else(|| panic!("no row at {ts}"));
        &row[i]
    }

    fn float_at(&self, ts: &str, name: &str) -> f64 {
        self.at(ts, name).parse().unwrap_or_else(|_| panic!("{name} at {ts}: not a number"))
    }
}

/// The plugin `name` over `fixture` at SYMBOL TIMEFRAME, as `candlewick test --csv` prints it.
fn plugin_csv(name: &str, fixture: &str, symbol: &str, timeframe: &str, extra: &[&str]) -> Csv {
    let output = candlewick()
        .arg("test")
        .arg(plugin_wasm(name))
        .arg("--fixture")
        .arg(repo_path(fixture))
        .args(["--symbol", symbol, "--timeframe", timeframe, "--csv"])
        .args(extra)
        .env_remove("DATABASE_URL")
        .output()
        .expect("candlewick runs");
    assert!(output.status.success(), "candlewick test {name} failed: {}", stderr(&output));
    Csv::parse(name, &String::from_utf8_lossy(&output.stdout))
}

/// The reference venv's python: `$CANDLEWICK_REFERENCE_PYTHON`, else the one
/// `scripts/lib/reference-toolchain.sh` installs in cargo's target directory.
fn reference_python() -> PathBuf {
    if let Some(python) = std::env::var_os("CANDLEWICK_REFERENCE_PYTHON") {
        return PathBuf::from(python);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| repo_path("target"), PathBuf::from);
    let python = target.join("toolchains/python-reference/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: the value checks need the pinned pandas and numpy (tests/reference/requirements.txt); \
         install them with `bash -c 'repo_root=$PWD; source scripts/lib/reference-toolchain.sh; \
         candlewick_reference_toolchain'` from the repository root (scripts/test does)",
        python.display()
    );
    python
}

/// `plugins/<plugin>/reference.py ARGS...` (the fixture first), its CSV output.
fn reference_csv(plugin: &str, args: &[&str]) -> Csv {
    let script = repo_path(&format!("plugins/{plugin}/reference.py"));
    let (fixture, rest) = args.split_first().expect("the fixture");
    let output = Command::new(reference_python())
        .arg(&script)
        .arg(repo_path(fixture))
        .args(rest)
        .output()
        .unwrap_or_else(|err| panic!("running {}: {err}", script.display()));
    assert!(
        output.status.success(),
        "{} failed: {}",
        script.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    Csv::parse(plugin, &String::from_utf8_lossy(&output.stdout))
}

fn close_enough(actual: f64, expected: f64) -> bool {
    if expected.is_nan() || actual.is_nan() {
        return expected.is_nan() && actual.is_nan();
    }
    (actual - expected).abs() <= TOLERANCE * expected.abs().max(1.0)
}

/// Same rows (by `ts`), and every value of `columns` within [`TOLERANCE`]; a mismatch shows both
/// sides of the first rows that differ.
fn assert_matches(actual: &Csv, expected: &Csv, columns: &[&str]) {
    assert_eq!(actual.column("ts"), expected.column("ts"), "the plugin's rows are not the reference's");
    assert!(!actual.rows.is_empty(), "no rows to compare");
    let ts = actual.column("ts");
    let mut differences = Vec::new();
    for column in columns {
        let (a, e) = (actual.floats(column), expected.floats(column));
        for i in 0..a.len() {
            if !close_enough(a[i], e[i]) {
                differences.push(format!("{} {column}: plugin {} reference {}", ts[i], a[i], e[i]));
            }
        }
    }
    assert!(
        differences.is_empty(),
        "{} values differ beyond {TOLERANCE} relative; the first:\n{}",
        differences.len(),
        differences[..differences.len().min(10)].join("\n")
    );
}

// --- mtf: daily RSI and the prior week's high on EURUSD 1h ---

#[test]
fn mtf_matches_pandas_merge_asof_on_close_times() {
    let plugin = plugin_csv("mtf", MTF_FIXTURE, "EURUSD", "1h", &[]);
    let reference = reference_csv("mtf", &[MTF_FIXTURE]);
    assert_eq!(plugin.rows.len(), 430);
    assert_matches(&plugin, &reference, &["daily_rsi", "prior_week_high_distance"]);
    // The window's first rows already have both features: the warm-ups were read.
    assert!(
        plugin
            .floats("daily_rsi")
            .iter()
            .chain(&plugin.floats("prior_week_high_distance"))
            .all(|v| v.is_finite())
    );
}

#[test]
fn mtf_daily_bar_first_shows_at_the_hourly_row_that_closes_at_midnight() {
    let plugin = plugin_csv("mtf", MTF_FIXTURE, "EURUSD", "1h", &[]);
    let reference = reference_csv("mtf", &[MTF_FIXTURE]);
    // The 22:00 row closes at 23:00: Tuesday's bar is the last closed day. The 23:00 row closes
    // at Thursday 00:00, exactly when Wednesday's bar closes: it is Wednesday's from there on.
    assert_eq!(reference.at("2018-02-21T22:00:00Z", "daily_bar"), "2018-02-20T00:00:00Z");
    assert_eq!(reference.at("2018-02-21T23:00:00Z", "daily_bar"), "2018-02-21T00:00:00Z");
    assert_eq!(reference.at("2018-02-22T00:00:00Z", "daily_bar"), "2018-02-21T00:00:00Z");
    for ts in ["2018-02-21T22:00:00Z", "2018-02-21T23:00:00Z", "2018-02-22T00:00:00Z"] {
        let (a, e) = (plugin.float_at(ts, "daily_rsi"), reference.float_at(ts, "daily_rsi"));
        assert!(close_enough(a, e), "{ts}: plugin {a}, reference {e}");
    }
    let rsi = |ts| plugin.float_at(ts, "daily_rsi");
    assert_ne!(rsi("2018-02-21T22:00:00Z"), rsi("2018-02-21T23:00:00Z"), "the daily value changes at 23:00");
    assert_eq!(rsi("2018-02-21T23:00:00Z"), rsi("2018-02-22T00:00:00Z"));
}

#[test]
fn mtf_across_a_weekend_gap_and_at_the_weekly_close() {
    let plugin = plugin_csv("mtf", MTF_FIXTURE, "EURUSD", "1h", &[]);
    let reference = reference_csv("mtf", &[MTF_FIXTURE]);
    // Friday's last row (21:00, closing 22:00) comes before Friday's daily close (Saturday 00:00);
    // the Sunday open's first row (22:00) sees it; the row closing Monday 00:00 (Sunday 23:00)
    // sees Sunday's short daily bar and, at the weekly close, the week just ended.
    let joins = [
        ("2018-02-23T21:00:00Z", "2018-02-22T00:00:00Z", "2018-02-12T00:00:00Z"),
        ("2018-02-25T22:00:00Z", "2018-02-23T00:00:00Z", "2018-02-12T00:00:00Z"),
        ("2018-02-25T23:00:00Z", "2018-02-25T00:00:00Z", "2018-02-19T00:00:00Z"),
        // After the US daylight-saving change the Sunday open is 21:00.
        ("2018-03-11T21:00:00Z", "2018-03-09T00:00:00Z", "2018-02-26T00:00:00Z"),
        ("2018-03-11T23:00:00Z", "2018-03-11T00:00:00Z", "2018-03-05T00:00:00Z"),
    ];
    for (ts, daily, week) in joins {
        assert_eq!((reference.at(ts, "daily_bar"), reference.at(ts, "week_bar")), (daily, week), "{ts}");
        for column in ["daily_rsi", "prior_week_high_distance"] {
            let (a, e) = (plugin.float_at(ts, column), reference.float_at(ts, column));
            assert!(close_enough(a, e), "{ts} {column}: plugin {a}, reference {e}");
        }
    }
    // No rows on Saturday: the gap is the fixture's, and the plugin returns the bars' rows only.
    assert!(!plugin.column("ts").iter().any(|ts| ts.starts_with("2018-02-24")));
    let distance = |ts| plugin.float_at(ts, "prior_week_high_distance");
    assert_ne!(distance("2018-02-25T22:00:00Z"), distance("2018-02-25T23:00:00Z"));
}

#[test]
fn mtf_rows_do_not_depend_on_the_windows_start() {
    // A window starting two weeks later reads its own 388 daily bars of warm-up, from a later
    // seed: its rows still equal the reference's over the fixture's whole daily history.
    let plugin = plugin_csv("mtf", MTF_FIXTURE, "EURUSD", "1h", &["--start", "2018-03-07T13:00:00Z"]);
    let reference = reference_csv("mtf", &[MTF_FIXTURE]);
    let first = reference.column("ts").iter().position(|ts| *ts == "2018-03-07T13:00:00Z").unwrap();
    let later = Csv { header: reference.header.clone(), rows: reference.rows[first..].to_vec() };
    assert_matches(&plugin, &later, &["daily_rsi", "prior_week_high_distance"]);
}

// --- beta: SPY against SPX, daily ---

#[test]
fn beta_matches_pandas_rolling_cov_and_corr() {
    let plugin = plugin_csv("beta", DAILY_FIXTURE, "SPY", "1d", &[]);
    let reference = reference_csv("beta", &[DAILY_FIXTURE, "SPY", "SPX", "1d", "60"]);
    assert_eq!(plugin.rows.len(), 502);
    assert_matches(&plugin, &reference, &["beta", "correlation", "reference_log_return"]);
    // 60 returns need 61 bars: the fixture starts at SPY's first bar, so the first 60 rows have none.
    let beta = plugin.floats("beta");
    assert!(beta[..60].iter().all(|v| v.is_nan()) && beta[60..].iter().all(|v| v.is_finite()));
}

#[test]
fn beta_carries_the_reference_where_it_has_no_bar() {
    let plugin = plugin_csv("beta", DAILY_FIXTURE, "SPY", "1d", &[]);
    let reference = reference_csv("beta", &[DAILY_FIXTURE, "SPY", "SPX", "1d", "60"]);
    // The fixture has no SPX bar on 2018-06-15: SPY's row takes SPX's bar of 06-14, whose price
    // repeats (log return 0), and the next row's return spans 06-14 → 06-18.
    assert_eq!(reference.at("2018-06-15T00:00:00Z", "reference_bar"), "2018-06-14T00:00:00Z");
    assert_eq!(plugin.float_at("2018-06-15T00:00:00Z", "reference_log_return"), 0.0);
    let mut bars = Csv::parse("fixture", &std::fs::read_to_string(repo_path(DAILY_FIXTURE)).unwrap());
    // A bar file's open time is `timestamp`; the outputs' is `ts`.
    bars.header[0] = "ts".to_owned();
    let spx = bars.filter("symbol", "SPX");
    let spx_close = |ts: &str| spx.float_at(ts, "close");
    let spans = (spx_close("2018-06-18T00:00:00Z") / spx_close("2018-06-14T00:00:00Z")).ln();
    let next = plugin.float_at("2018-06-18T00:00:00Z", "reference_log_return");
    assert!((next - spans).abs() <= 1e-15, "06-18: plugin {next}, ln(SPX 06-18 / SPX 06-14) {spans}");
    for ts in ["2018-06-14T00:00:00Z", "2018-06-15T00:00:00Z", "2018-06-18T00:00:00Z"] {
        for column in ["beta", "correlation"] {
            let (a, e) = (plugin.float_at(ts, column), reference.float_at(ts, column));
            assert!(a.is_finite() && close_enough(a, e), "{ts} {column}: plugin {a}, reference {e}");
        }
    }
}

// --- xsection: momentum rank and z-score across SPY, SPX and EURUSD, daily ---

#[test]
fn xsection_matches_pandas_rank_and_population_std() {
    let reference = reference_csv("xsection", &[DAILY_FIXTURE, "1d", "20"]);
    for (symbol, rows) in [("EURUSD", 617), ("SPX", 501), ("SPY", 502)] {
        let plugin = plugin_csv("xsection", DAILY_FIXTURE, symbol, "1d", &[]);
        assert_eq!(plugin.rows.len(), rows, "{symbol}: one row per bar");
        assert_matches(&plugin, &reference.filter("symbol", symbol), &["momentum", "rank", "zscore"]);
    }
}

#[test]
fn xsection_ranks_only_the_symbols_with_a_bar_at_each_time() {
    let reference = reference_csv("xsection", &[DAILY_FIXTURE, "1d", "20"]);
    let spy = plugin_csv("xsection", DAILY_FIXTURE, "SPY", "1d", &[]);
    let eurusd = plugin_csv("xsection", DAILY_FIXTURE, "EURUSD", "1d", &[]);
    let spx = plugin_csv("xsection", DAILY_FIXTURE, "SPX", "1d", &[]);
    // 2018-06-15: no SPX bar, so two symbols: the higher momentum (SPY) ranks 1, z-score +1.
    let day = "2018-06-15T00:00:00Z";
    assert!(!spx.column("ts").contains(&day));
    assert_eq!(reference.filter("ts", day).column("n"), ["2", "2"]);
    assert_eq!((spy.float_at(day, "rank"), spy.float_at(day, "zscore")), (1.0, 1.0));
    assert_eq!((eurusd.float_at(day, "rank"), eurusd.float_at(day, "zscore")), (0.0, -1.0));
    // A Sunday: EURUSD alone, so no rank and no z-score, though it has a momentum.
    let sunday = "2018-12-23T00:00:00Z";
    assert!(eurusd.float_at(sunday, "momentum").is_finite());
    assert!(eurusd.float_at(sunday, "rank").is_nan() && eurusd.float_at(sunday, "zscore").is_nan());
    // Christmas Eve, all three: ranks 0, 0.5, 1.
    let eve = "2018-12-24T00:00:00Z";
    let ranks = [spx.float_at(eve, "rank"), spy.float_at(eve, "rank"), eurusd.float_at(eve, "rank")];
    assert_eq!(ranks, [0.0, 0.5, 1.0]);
}
