//! `candlewick check`: the two research invariants caught on plugins that break them on purpose
//! (a `shift(-1)` look-ahead, a sum from the window's start), and passed by plugins that keep them,
//! in Rust, Python and JavaScript, over a fixture and over a job's source.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use support::{plugin_wasm, repo_path, stderr, stdout};

fn hostile_wasm(name: &str) -> PathBuf {
    let path = repo_path(&format!("target/hostile/{name}.wasm"));
    assert!(path.exists(), "{} is missing: run scripts/build-hostile", path.display());
    path
}

/// EURUSD 1h, March to June 2018: a weekend gap in every week.
fn check(plugin: &Path, extra: &[&str]) -> Output {
    let mut command = support::candlewick();
    command.arg("check").arg(plugin).arg("--fixture").arg(repo_path("host/fixtures/eurusd_1h_2018.csv"));
    command.args(["--symbol", "EURUSD", "--timeframe", "1h", "--start", "2018-03-01", "--end", "2018-06-30"]);
    command.args(extra).output().unwrap()
}

/// The lines reporting each run, without the header and the result line.
fn runs(output: &Output) -> Vec<String> {
    stdout(output)
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("    "))
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_feature_that_reads_the_next_bar_is_caught_at_every_cut() {
    let output = check(&hostile_wasm("leak"), &[]);
    assert_eq!(output.status.code(), Some(1), "{}{}", stdout(&output), stderr(&output));
    let runs = runs(&output);
    let look_ahead: Vec<&String> = runs.iter().filter(|l| l.contains("no look-ahead")).collect();
    assert_eq!(look_ahead.len(), 3, "{runs:#?}");
    assert!(look_ahead.iter().all(|l| l.ends_with("VIOLATED")), "{runs:#?}");
    assert!(look_ahead.iter().any(|l| l.contains("(the last bar before a gap of")), "{runs:#?}");
    // The row at the cut had the next bar's close in the full run; the cut run has none.
    let text = stdout(&output);
    let first = text.lines().find(|l| l.contains("next_close first differs at")).unwrap();
    assert!(first.ends_with("NaN here"), "{first}");
    assert!(runs.iter().filter(|l| l.contains("start-invariance")).all(|l| l.ends_with(": ok")), "{runs:#?}");
    assert!(text.ends_with("result: 3 of 7 runs found violations (start-invariance within 1e-9 relative, 1e-12 absolute; look-ahead bit for bit)\n"), "{text}");
}

#[test]
fn a_feature_seeded_by_the_window_start_is_caught_at_every_start() {
    let output = check(&hostile_wasm("drift"), &[]);
    assert_eq!(output.status.code(), Some(1), "{}{}", stdout(&output), stderr(&output));
    let runs = runs(&output);
    let starts: Vec<&String> = runs.iter().filter(|l| l.contains("start-invariance")).collect();
    assert_eq!(starts.len(), 4, "{runs:#?}");
    assert!(starts.iter().all(|l| l.ends_with("VIOLATED")), "{runs:#?}");
    assert!(starts.iter().any(|l| l.contains("(the first bar after a gap of")), "{runs:#?}");
    assert!(runs.iter().filter(|l| l.contains("no look-ahead")).all(|l| l.ends_with(": ok")), "{runs:#?}");
    // The sum restarted: at the later start it is that bar's close alone, far below the full run's.
    let text = stdout(&output);
    let line = text.lines().find(|l| l.contains("running_sum first differs at")).unwrap();
    let (full, here) = line.split_once(" in the full run, ").unwrap();
    let full: f64 = full.rsplit(' ').next().unwrap().parse().unwrap();
    let here: f64 = here.split(' ').next().unwrap().parse().unwrap();
    assert!(here < 2.0 && full > 10.0 * here, "{line}");
}

#[test]
fn only_one_invariant_is_checked_when_asked() {
    let output = check(&hostile_wasm("drift"), &["--only", "look-ahead"]);
    assert_eq!(output.status.code(), Some(0), "{}{}", stdout(&output), stderr(&output));
    assert_eq!(runs(&output).len(), 3);
}

/// A Python feature builder with a rolling window keeps both invariants, given its warm-up.
#[test]
fn a_python_plugin_with_its_warm_up_passes() {
    let output = check(&plugin_wasm("zscore"), &[]);
    assert_eq!(output.status.code(), Some(0), "{}{}", stdout(&output), stderr(&output));
    assert_eq!(runs(&output).len(), 7);
    assert!(runs(&output).iter().all(|l| l.ends_with(": ok")));
}

/// A JavaScript sampler is checked the same way; every run is reported, ok or not.
#[test]
fn a_javascript_sampler_is_checked_too() {
    let output = check(&plugin_wasm("swings"), &[]);
    assert!(matches!(output.status.code(), Some(0 | 1)), "{}{}", stdout(&output), stderr(&output));
    let runs = runs(&output);
    assert_eq!(runs.len(), 7, "{runs:#?}");
    assert!(runs.iter().all(|l| l.ends_with(": ok") || l.ends_with("VIOLATED")), "{runs:#?}");
    assert!(
        stdout(&output)
            .starts_with("swings (sampler) on EURUSD 1h, 2018-03-01T00:00:00Z to 2018-06-30T00:00:00Z\n")
    );
}

/// A job is checked plugin by plugin, symbol by symbol, over its own source (here the embedded
/// sample).
#[test]
fn a_job_is_checked_over_its_source() {
    let dir = tempfile::tempdir().unwrap();
    let job = dir.path().join("job.yaml");
    std::fs::write(
        &job,
        format!(
            "symbols: [EURUSD]\ntimeframe: 1h\nstart: 2018-03-01\nend: 2018-04-30\noutput: out\ncache_dir: {}\n\
             plugins:\n  - path: {}\n  - path: {}\n",
            dir.path().join("cache").display(),
            hostile_wasm("drift").display(),
            hostile_wasm("leak").display()
        ),
    )
    .unwrap();
    let output = support::candlewick().arg("check").arg(&job).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}{}", stdout(&output), stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("drift (feature-builder) on EURUSD 1h, 2018-03-01T00:00:00Z to 2018-04-30T00:00:00Z"),
        "{text}"
    );
    assert!(text.contains("leak (feature-builder) on EURUSD 1h"), "{text}");
    assert!(text.ends_with("result: 7 of 14 runs found violations (start-invariance within 1e-9 relative, 1e-12 absolute; look-ahead bit for bit)\n"), "{text}");
}

#[test]
fn a_plugin_without_bars_or_a_job_with_plugin_flags_is_refused_in_one_line() {
    let output = support::candlewick().arg("check").arg(hostile_wasm("leak")).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("a plugin is checked over bars: give --fixture BARS.csv"),
        "{}",
        stderr(&output)
    );
    let output = support::candlewick().args(["check", "job.yaml", "--fixture", "bars.csv"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("expected no --fixture, --params, --symbol or --timeframe with a job file"),
        "{}",
        stderr(&output)
    );
}

/// `candlewick check` over `fixture`, on `symbol` at `timeframe`.
fn check_over(plugin: &Path, fixture: &str, symbol: &str, timeframe: &str) -> Output {
    support::candlewick()
        .arg("check")
        .arg(plugin)
        .arg("--fixture")
        .arg(repo_path(fixture))
        .args(["--symbol", symbol, "--timeframe", timeframe])
        .output()
        .unwrap()
}

/// The example plugins keep both invariants, in every world: `indicators` with the warm-up its
/// plan declares for its recursive columns, `mtf` through the aligned read of daily and weekly
/// bars, and the cross-section `xsection` over SPY, SPX and EURUSD daily bars.
#[test]
fn the_example_plugins_keep_both_invariants_in_every_world() {
    for (plugin, fixture, symbol, timeframe) in [
        ("indicators", "host/fixtures/eurusd_1h_2018.csv", "EURUSD", "1h"),
        ("mtf", "tests/fixtures/examples/eurusd_mtf.csv", "EURUSD", "1h"),
        ("beta", "tests/fixtures/examples/daily.csv", "SPY", "1d"),
        ("xsection", "tests/fixtures/examples/daily.csv", "SPY", "1d"),
    ] {
        let output = check_over(&plugin_wasm(plugin), fixture, symbol, timeframe);
        assert_eq!(output.status.code(), Some(0), "{plugin}: {}{}", stdout(&output), stderr(&output));
        let runs = runs(&output);
        assert_eq!(runs.len(), 7, "{plugin}: {runs:#?}");
        assert!(runs.iter().all(|l| l.ends_with(": ok")), "{plugin}: {runs:#?}");
    }
    let output = check_over(&plugin_wasm("xsection"), "tests/fixtures/examples/daily.csv", "SPY", "1d");
    assert!(stdout(&output).starts_with("xsection (cross-section) on SPY 1d, "), "{}", stdout(&output));
}
