//! The fixture host from the command line: `candlewick test` over fixtures with the real example
//! plugins, every scenario folder in `tests/scenarios/`, the rule that every plugin has tests,
//! and `candlewick new`.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use support::{plugin_wasm, repo_path, stderr, stdout};

const TALIB_BARS: &str = "tests/scenarios/indicators-sma-talib/bars.csv";
const TALIB_SMA: &str = "tests/scenarios/indicators-sma-talib/expected.csv";

/// Runs the binary in `dir` with compiled plugins cached under `target/`, not the user's cache.
fn candlewick_in(dir: &Path, args: &[&str]) -> Output {
    support::candlewick()
        .args(args)
        .current_dir(dir)
        .env("XDG_CACHE_HOME", repo_path("target/test-cache"))
        .env_remove("DATABASE_URL")
        .output()
        .expect("candlewick runs")
}

fn candlewick(args: &[&str]) -> Output {
    candlewick_in(&repo_path(""), args)
}

fn folders(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn every_scenario_passes() {
    let scenarios = folders(&repo_path("tests/scenarios"));
    assert!(scenarios.len() >= 6, "{scenarios:?}");
    let mut args = vec!["test", "--scenario"];
    args.extend(scenarios.iter().map(|p| p.to_str().unwrap()));
    let output = candlewick(&args);
    let text = stdout(&output);
    assert!(output.status.success(), "{text}{}", stderr(&output));
    assert!(text.ends_with(&format!("scenarios: {} passed, 0 failed\n", scenarios.len())), "{text}");
}

#[test]
fn a_failed_scenario_fails_the_run_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("wrong");
    std::fs::create_dir(&scenario).unwrap();
    let plugin = plugin_wasm("indicators");
    let bars = repo_path(TALIB_BARS);
    std::fs::write(
        scenario.join("scenario.yaml"),
        format!("plugin: {}\nfixture: {}\n", plugin.display(), bars.display()),
    )
    .unwrap();
    // It runs fine, but an error was expected.
    std::fs::write(scenario.join("expected-error.txt"), "unknown parameter").unwrap();
    let output = candlewick(&["test", "--scenario", scenario.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.contains("FAILED"), "{text}");
    assert!(
        text.contains("expected an error containing \"unknown parameter\", but the run succeeded"),
        "{text}"
    );
    assert!(text.ends_with("scenarios: 0 passed, 1 failed\n"), "{text}");
}

#[test]
fn test_prints_the_output_as_a_table_or_as_csv() {
    let plugin = plugin_wasm("indicators");
    let plugin = plugin.to_str().unwrap();
    let output =
        candlewick(&["test", plugin, "--fixture", TALIB_BARS, "--params", "sma_period=30", "--rows", "4"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let table = stdout(&output);
    assert!(table.contains("… 248 more rows") && table.trim_end().ends_with("252 rows"), "{table}");
    assert!(table.contains("2000-09-09T00:00:00Z"), "the last bar's row: {table}");

    let output = candlewick(&["test", plugin, "--fixture", TALIB_BARS, "--params", "sma_period=30", "--csv"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let csv = stdout(&output);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 253);
    assert!(lines[0].starts_with("ts,sma,ema,rsi,macd"), "{}", lines[0]);
    // Index 29 is TA-Lib's first published SMA(30): 90.4263.
    let sma: f64 = lines[30].split(',').nth(1).unwrap().parse().unwrap();
    assert!((sma - 90.4263).abs() < 1e-4, "{}", lines[30]);
    assert!(lines[29].starts_with("2000-01-31T00:00:00Z,NaN,"), "{}", lines[29]);
}

#[test]
fn expect_compares_at_the_tolerance_and_shows_differences_side_by_side() {
    let plugin = plugin_wasm("indicators");
    let plugin = plugin.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The SMA(30) file with one value moved by 0.01 (line 31, 2000-02-01).
    let expected = std::fs::read_to_string(repo_path(TALIB_SMA))
        .unwrap()
        .replace("90.42633333333333", "90.43633333333333");
    let path = dir.path().join("expected.csv");
    std::fs::write(&path, expected).unwrap();
    let path = path.to_str().unwrap();

    let output =
        candlewick(&["test", plugin, "--fixture", TALIB_BARS, "--params", "sma_period=30", "--expect", path]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("1 difference(s) in 1 row(s)"), "{text}");
    let row = text.lines().find(|l| l.contains("2000-02-01T00:00:00Z")).unwrap_or_else(|| panic!("{text}"));
    for cell in ["31", "sma", "90.43633333333333", "90.42633333333333", "-1.000e-2"] {
        assert!(row.contains(cell), "{cell} in {row}");
    }

    // 0.01 off at 90 is within a relative 1e-3.
    let output = candlewick(&[
        "test",
        plugin,
        "--fixture",
        TALIB_BARS,
        "--params",
        "sma_period=30",
        "--expect",
        path,
        "--tolerance",
        "1e-3",
    ]);
    assert!(output.status.success(), "{}{}", stdout(&output), stderr(&output));
    assert!(stdout(&output).starts_with("output matches"), "{}", stdout(&output));
}

#[test]
fn test_errors_name_what_is_wrong() {
    let plugin = plugin_wasm("indicators");
    let plugin = plugin.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["--params", "sma_period=abc"], "parameter \"sma_period\": expected int, got abc"),
        (&["--params", "sma_period"], "--params \"sma_period\": expected NAME=VALUE"),
        (&["--symbol", "SPY"], "the fixture has no bars for SPY in any timeframe (it holds TALIB 1d)"),
        (&["--start", "2000-03-01", "--end", "2000-02-01"], "the window: "),
        (&["--as-of", "2000-01-01"], "as-of time 2000-01-01T00:00:00Z is before the window's end"),
    ];
    for (extra, message) in cases {
        let mut args = vec!["test", plugin, "--fixture", TALIB_BARS];
        args.extend_from_slice(extra);
        let output = candlewick(&args);
        assert_eq!(output.status.code(), Some(1), "{extra:?}: {}", stdout(&output));
        assert!(stderr(&output).contains(message), "{extra:?}: {}", stderr(&output));
    }
}

/// Every plugin under `plugins/` has tests: a Rust plugin a `tests/*.rs` that runs its component
/// through `candlewick-plugin-test`; a Python or JavaScript plugin a scenario that runs it.
#[test]
fn every_plugin_has_tests() {
    let scenarios: Vec<String> = folders(&repo_path("tests/scenarios"))
        .iter()
        .filter_map(|dir| std::fs::read_to_string(dir.join("scenario.yaml")).ok())
        .collect();
    let mut checked = 0;
    for dir in folders(&repo_path("plugins")) {
        let name = dir.file_name().unwrap().to_str().unwrap().to_owned();
        match name.as_str() {
            "python" | "js" => {
                for plugin in folders(&dir) {
                    let name = plugin.file_name().unwrap().to_str().unwrap();
                    if name == "wit-stub" || name == "lib" {
                        // Not plugins, as scripts/lib/guest-toolchains.sh skips them: the reader and
                        // kernels stub of the native tests, the modules plugins import (series).
                        continue;
                    }
                    let wasm = format!("target/plugins/{name}.wasm");
                    assert!(
                        scenarios
                            .iter()
                            .any(|s| s.lines().any(|l| l.starts_with("plugin:") && l.contains(&wasm))),
                        "{} has no scenario in tests/scenarios/ (a scenario.yaml with `plugin: …/{wasm}`)",
                        plugin.display()
                    );
                    checked += 1;
                }
            }
            _ => {
                let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap_or_default();
                if !manifest.contains("\"cdylib\"") {
                    continue; // a support crate, not a plugin
                }
                let tests = dir.join("tests");
                let runs_component = tests.is_dir()
                    && std::fs::read_dir(&tests).unwrap().any(|entry| {
                        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
                        text.contains("candlewick_plugin_test") && text.contains("#[test]")
                    });
                assert!(
                    runs_component,
                    "{} has no test of its component: add tests/*.rs using candlewick_plugin_test",
                    dir.display()
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 4, "only {checked} plugins found");
}

/// A scratch folder shaped like a checkout: `wit/plugin.wit` and `plugins/`.
fn scratch_checkout() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("wit")).unwrap();
    std::fs::copy(repo_path("wit/plugin.wit"), dir.path().join("wit/plugin.wit")).unwrap();
    std::fs::create_dir_all(dir.path().join("plugins")).unwrap();
    dir
}

#[test]
fn new_writes_a_named_plugin_and_refuses_to_overwrite() {
    let checkout = scratch_checkout();
    let inside = checkout.path().join("plugins");
    let output = candlewick_in(&inside, &["new", "--lang", "rust", "my-mean"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("created plugins/my-mean/Cargo.toml"), "{text}");
    assert!(text.contains("cargo test -p my-mean"), "{text}");
    let manifest = std::fs::read_to_string(checkout.path().join("plugins/my-mean/Cargo.toml")).unwrap();
    assert!(manifest.contains("name = \"my-mean\""), "{manifest}");
    for file in ["src/lib.rs", "tests/component.rs", "README.md"] {
        let text = std::fs::read_to_string(checkout.path().join("plugins/my-mean").join(file)).unwrap();
        assert!(!text.contains("{{"), "{file} has a placeholder left: {text}");
    }

    let again = candlewick_in(&inside, &["new", "--lang", "python", "my-mean"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("a plugin named \"my-mean\" already exists"), "{}", stderr(&again));

    let bad = candlewick_in(&inside, &["new", "--lang", "rust", "My_Mean"]);
    assert!(stderr(&bad).contains("plugin name \"My_Mean\": expected lowercase letters"), "{}", stderr(&bad));

    let elsewhere = tempfile::tempdir().unwrap();
    let outside = candlewick_in(elsewhere.path(), &["new", "--lang", "rust", "x"]);
    assert!(stderr(&outside).contains("is not inside a Candlewick checkout"), "{}", stderr(&outside));
}
