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
/// through `candlewick-plugin-test`; a Python, JavaScript or Go plugin a scenario that runs it.
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
            "python" | "js" | "go" => {
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

/// `candlewick new` outside any checkout: every language's project, complete; the bad inputs.
#[test]
fn new_makes_a_project_of_its_own_in_any_folder_and_refuses_bad_names_and_full_folders() {
    let anywhere = tempfile::tempdir().unwrap();
    for lang in ["rust", "python", "js", "go"] {
        let name = format!("my-{lang}");
        let output = candlewick_in(anywhere.path(), &["new", "--lang", lang, &name]);
        assert!(output.status.success(), "{lang}: {}", stderr(&output));
        let text = stdout(&output);
        assert!(text.contains(&format!("created {name}/")), "{text}");
        assert!(
            text.contains("candlewick build") && text.contains("candlewick test --scenario scenario"),
            "{text}"
        );
        let project = anywhere.path().join(&name);
        // Its own contract, scenario and README, every placeholder filled.
        for file in
            ["wit/plugin.wit", "wit/reader.wit", "wit/types.wit", "scenario/scenario.yaml", "README.md"]
        {
            let text =
                std::fs::read_to_string(project.join(file)).unwrap_or_else(|e| panic!("{lang}: {file}: {e}"));
            assert!(!text.contains("{{"), "{lang}: {file} has a placeholder left");
        }
        let scenario = std::fs::read_to_string(project.join("scenario/scenario.yaml")).unwrap();
        assert!(scenario.contains(&format!("plugin: ../target/plugins/{name}.wasm")), "{scenario}");
    }
    let rust = anywhere.path().join("my-rust");
    let manifest = std::fs::read_to_string(rust.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("name = \"my-rust\"") && manifest.contains("[workspace]"), "{manifest}");
    assert!(manifest.contains("guest-support = { path = \"guest-support\" }"), "{manifest}");
    assert!(std::fs::read_to_string(rust.join("Cargo.lock")).unwrap().contains("name = \"my-rust\""));
    assert!(anywhere.path().join("my-python/my_python.py").is_file());

    // Into a folder that is not empty: refused, nothing touched.
    let again = candlewick_in(anywhere.path(), &["new", "--lang", "python", "my-rust"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("exists and is not empty"), "{}", stderr(&again));
    assert!(!rust.join("my_rust.py").exists() && !rust.join("world").exists());
    assert_eq!(std::fs::read_to_string(rust.join("Cargo.toml")).unwrap(), manifest);

    // A name that is no package name: one line with a valid spelling, no folder.
    let bad = candlewick_in(anywhere.path(), &["new", "--lang", "rust", "probe_plugin"]);
    assert_eq!(bad.status.code(), Some(1));
    let err = stderr(&bad);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(r#"plugin name "probe_plugin" is not a valid Rust plugin name"#), "{err}");
    assert!(err.contains(r#"try "probe-plugin""#), "{err}");
    assert!(!anywhere.path().join("probe_plugin").exists());
}
