//! `candlewick run` end to end: real plugin components, the fixture and embedded sources and
//! real PostgreSQL, values checked against published references and independent computations.

mod support;

use std::path::{Path, PathBuf};

use candlewick::domain::Timestamp;
use support::{plugin_wasm, read_parquet, repo_path, run, stderr, stdout};
use tempfile::TempDir;

const DAY: i64 = 86_400_000_000;
/// 2000-01-03T00:00:00Z: the TA-Lib series gets one bar a day from here.
const TALIB_START: i64 = 946_857_600_000_000;

/// TA-Lib's 252-bar regression series as a bar file (symbol TALIB, daily bars).
fn talib_csv(dir: &Path) -> PathBuf {
    let source = std::fs::read_to_string(repo_path("tests/fixtures/talib/ta_regtest_daily_252.csv")).unwrap();
    let mut text = String::from("symbol,timeframe,timestamp,open,high,low,close,volume\n");
    for line in source.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let idx: i64 = f[0].parse().unwrap();
        let ts = Timestamp::from_micros(TALIB_START + idx * DAY);
        let volume = f[5].parse::<f64>().unwrap() as i64;
        text.push_str(&format!("TALIB,1d,{ts},{},{},{},{},{volume}\n", f[1], f[2], f[3], f[4]));
    }
    let path = dir.join("talib.csv");
    std::fs::write(&path, text).unwrap();
    path
}

fn talib_window() -> (String, String) {
    (
        Timestamp::from_micros(TALIB_START).to_string(),
        Timestamp::from_micros(TALIB_START + 251 * DAY).to_string(),
    )
}

/// A job file in `dir` with the given source lines and plugin entries.
fn write_job(
    dir: &Path,
    source: &str,
    symbols: &str,
    timeframe: &str,
    window: (String, String),
    plugins: &str,
) -> PathBuf {
    let text = format!(
        "{source}\nsymbols: [{symbols}]\ntimeframe: {timeframe}\nstart: {}\nend: {}\noutput: out\n\
         cache_dir: {}\nplugins:\n{plugins}",
        window.0,
        window.1,
        dir.join("cache").display()
    );
    let path = dir.join("job.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

fn indicators_entry(extra_params: &str) -> String {
    format!(
        "  - path: {}\n    params: {{ sma_period: 30, rsi_period: 14{extra_params} }}\n",
        plugin_wasm("indicators").display()
    )
}

fn assert_close(actual: f64, expected: f64, tolerance: f64, what: &str) {
    assert!((actual - expected).abs() <= tolerance, "{what}: {actual} (expected {expected} ± {tolerance})");
}

#[test]
fn indicators_match_talib_published_values() {
    let dir = TempDir::new().unwrap();
    let fixture = talib_csv(dir.path());
    let job = write_job(
        dir.path(),
        &format!("fixture: {}", fixture.display()),
        "TALIB",
        "1d",
        talib_window(),
        &indicators_entry(""),
    );
    let output = run(&["run", job.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).starts_with("units: 1 ok, 0 failed; rows in 252, rows out 252;"),
        "{}",
        stdout(&output)
    );

    let table = read_parquet(&support::unit_file(&dir.path().join("out"), "indicators", "TALIB"));
    assert_eq!(table.ts.len(), 252);
    assert_eq!(table.ts[0], TALIB_START);
    let sma = &table.floats["sma"];
    assert!(sma[28].is_nan(), "SMA(30) warms up over 29 bars");
    assert_close(sma[29], 90.4263, 1e-4, "SMA(30) at index 29");
    assert_close(sma[251], 108.42, 5e-3, "SMA(30) at index 251");
    let rsi = &table.floats["rsi"];
    assert!(rsi[13].is_nan());
    assert_close(rsi[14], 49.1473, 1e-4, "RSI(14) at index 14");
    let (macd, signal) = (&table.floats["macd"], &table.floats["macd_signal"]);
    assert!(macd[32].is_nan() && signal[32].is_nan());
    assert_close(macd[33], -1.9738, 1e-4, "MACD(12,26,9) line at index 33");
    assert_close(signal[33], -2.7071, 1e-4, "MACD(12,26,9) signal at index 33");

    let meta = &table.metadata;
    assert_eq!(meta["candlewick.plugin"], "indicators");
    assert_eq!(meta["candlewick.plugin_sha256"].len(), 64);
    assert!(meta["candlewick.params"].contains("\"sma_period\":30"), "{}", meta["candlewick.params"]);
    assert_eq!(meta["candlewick.window_start"], "2000-01-03T00:00:00Z");
    assert_eq!(meta["candlewick.host_version"], env!("CARGO_PKG_VERSION"));
}

/// The same job from PostgreSQL and from the fixture, with tiny and large reader batches, gives
/// the same values to the bit.
#[test]
fn output_is_identical_from_postgres_and_whatever_the_batch_size() {
    let dir = TempDir::new().unwrap();
    let fixture = talib_csv(dir.path());
    let db = support::migrated_db();
    let ingest = run(&["ingest", fixture.to_str().unwrap(), "--database-url", db.url()]);
    assert!(ingest.status.success(), "{}", stderr(&ingest));

    let mut tables = Vec::new();
    for (source, batch_rows) in [
        (format!("fixture: {}", fixture.display()), 16_384),
        ("database:\n  url: ${CW_JOB_TEST_URL}".to_owned(), 7),
        ("database:\n  url: ${CW_JOB_TEST_URL}".to_owned(), 1),
    ] {
        let source = format!("{source}\nlimits:\n  batch_rows: {batch_rows}");
        let job = write_job(dir.path(), &source, "TALIB", "1d", talib_window(), &indicators_entry(""));
        let output = support::candlewick()
            .args(["run", job.to_str().unwrap()])
            .env("CW_JOB_TEST_URL", db.url())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "batch {batch_rows}: {}", stderr(&output));
        tables.push(read_parquet(&support::unit_file(&dir.path().join("out"), "indicators", "TALIB")));
    }
    for other in &tables[1..] {
        assert_eq!(other.ts, tables[0].ts);
        for (name, values) in &tables[0].floats {
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&other.floats[name]), bits(values), "column {name}");
        }
    }
    assert!(tables[1].metadata["candlewick.source"] == "database");
    assert!(!tables[1].metadata.values().any(|v| v.contains(db.url())), "no connection string in metadata");
}

#[test]
fn resample_to_4h_matches_an_independent_aggregation_of_the_embedded_sample() {
    let dir = TempDir::new().unwrap();
    let window = ("2018-01-02T00:00:00Z".to_owned(), "2018-12-31T21:00:00Z".to_owned());
    let plugins = format!("  - path: {}\n    params: {{ to: 4h }}\n", plugin_wasm("resample").display());
    let job = write_job(
        dir.path(),
        "# no source: the embedded EURUSD sample",
        "EURUSD",
        "1h",
        window.clone(),
        &plugins,
    );
    let output = run(&["run", job.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let table = read_parquet(&support::unit_file(&dir.path().join("out"), "resample", "EURUSD"));

    // The independent computation: group the sample's hourly bars by 4-hour blocks from midnight
    // UTC, keep the blocks the window covers entirely.
    const H: i64 = 3_600_000_000;
    let text = std::fs::read_to_string(repo_path("host/fixtures/eurusd_1h_2018.csv")).unwrap();
    let mut groups: std::collections::BTreeMap<i64, Vec<[f64; 4]>> = Default::default();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let ts = Timestamp::parse(f[0]).unwrap().as_micros();
        let v: Vec<f64> = f[1..5].iter().map(|x| x.parse().unwrap()).collect();
        groups.entry(ts - ts.rem_euclid(4 * H)).or_default().push([v[0], v[1], v[2], v[3]]);
    }
    let (start, end) =
        (Timestamp::parse(&window.0).unwrap().as_micros(), Timestamp::parse(&window.1).unwrap().as_micros());
    let expected: Vec<(i64, [f64; 4], i64)> = groups
        .into_iter()
        .filter(|(block, _)| *block >= start && block + 4 * H <= end + H)
        .map(|(block, bars)| {
            let high = bars.iter().map(|b| b[1]).fold(f64::MIN, f64::max);
            let low = bars.iter().map(|b| b[2]).fold(f64::MAX, f64::min);
            (block, [bars[0][0], high, low, bars[bars.len() - 1][3]], bars.len() as i64)
        })
        .collect();
    assert_eq!(table.ts, expected.iter().map(|e| e.0).collect::<Vec<_>>());
    for (name, i) in [("open", 0), ("high", 1), ("low", 2), ("close", 3)] {
        assert_eq!(table.floats[name], expected.iter().map(|e| e.1[i]).collect::<Vec<_>>(), "{name}");
    }
    assert_eq!(table.ints["bars"], expected.iter().map(|e| e.2).collect::<Vec<_>>());
    assert!(table.ints["volume"].iter().all(|v| *v == 0), "FX volume is 0, summed");
}

fn window_start() -> String {
    "2018-01-02T00:00:00Z".to_owned()
}

#[test]
fn a_failing_unit_fails_alone_and_the_job_exits_2() {
    let dir = TempDir::new().unwrap();
    let fixture = talib_csv(dir.path());
    // TALIBX has no bars: its unit fails, TALIB's is written.
    let job = write_job(
        dir.path(),
        &format!("fixture: {}", fixture.display()),
        "TALIB, TALIBX",
        "1d",
        talib_window(),
        &format!("{}    name: sma30\n", indicators_entry("")),
    );
    let output = run(&["run", job.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let summary = stdout(&output);
    assert!(summary.starts_with("units: 1 ok, 1 failed;"), "{summary}");
    // The failure names the entry by its `name:`, and the plugin.
    assert!(
        summary.contains("FAILED sma30 (plugin indicators) on TALIBX: no 1d bars of TALIBX"),
        "{summary}"
    );
    assert_eq!(
        read_parquet(&support::unit_file(&dir.path().join("out"), "sma30", "TALIB")).ts.len(),
        252,
        "the other unit completed"
    );
    let manifest = support::manifest(&dir.path().join("out"));
    let failed = &manifest["units"][1];
    assert_eq!((&failed["symbol"], &failed["status"]), (&"TALIBX".into(), &"failed".into()), "{manifest}");
    assert!(failed["file"].is_null(), "nothing written for the failed unit");
    assert_eq!(manifest["datasets"]["sma30"]["files"].as_array().unwrap().len(), 1);
}

/// A unit whose window holds no bar fails, saying the series, the window and what is stored for
/// the symbol: a typo in a symbol, a wrong timeframe and a window outside the data read as such.
#[test]
fn a_unit_without_bars_fails_saying_what_is_stored() {
    let dir = TempDir::new().unwrap();
    let fixture = talib_csv(dir.path());
    let source = format!("fixture: {}", fixture.display());
    let stored = "stored for TALIB: 1d: 252 bars 2000-01-03T00:00:00Z ..= 2000-09-10T00:00:00Z";
    for (symbol, timeframe, window, expected) in [
        ("TALBI", "1d", talib_window(), "no 1d bars of TALBI in 2000-01-03T00:00:00Z ..= 2000-09-10T00:00:00Z (stored for TALBI: nothing)".to_owned()),
        ("TALIB", "1h", talib_window(), format!("no 1h bars of TALIB in 2000-01-03T00:00:00Z ..= 2000-09-10T00:00:00Z ({stored})")),
        ("TALIB", "1d", ("1999-01-01".to_owned(), "1999-12-31".to_owned()), format!("no 1d bars of TALIB in 1999-01-01T00:00:00Z ..= 1999-12-31T00:00:00Z ({stored})")),
    ] {
        let job = write_job(dir.path(), &source, symbol, timeframe, window, &indicators_entry(""));
        let output = run(&["run", job.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        let summary = stdout(&output);
        assert!(summary.starts_with("units: 0 ok, 1 failed; rows in 0, rows out 0;"), "{summary}");
        assert!(summary.contains(&format!("FAILED plugin indicators on {symbol}: {expected}; `allow_empty: true`")), "{summary}");
        assert!(!dir.path().join("out/indicators").exists(), "nothing written");
    }
}

/// With `allow_empty: true` a unit without bars succeeds and writes nothing: an earlier file with
/// rows is kept as it was, never replaced by an empty one.
#[test]
fn an_allowed_empty_unit_writes_nothing_and_keeps_the_earlier_file() {
    let dir = TempDir::new().unwrap();
    let fixture = talib_csv(dir.path());
    let source = format!("fixture: {}\nallow_empty: true", fixture.display());
    let job = write_job(dir.path(), &source, "TALIB", "1d", talib_window(), &indicators_entry(""));
    assert_eq!(run(&["run", job.to_str().unwrap()]).status.code(), Some(0));
    let file = support::unit_file(&dir.path().join("out"), "indicators", "TALIB");
    let before = std::fs::read(&file).unwrap();
    assert_eq!(read_parquet(&file).ts.len(), 252);

    let window = ("1999-01-01".to_owned(), "1999-12-31".to_owned());
    let job = write_job(dir.path(), &source, "TALIB", "1d", window, &indicators_entry(""));
    let output = run(&["run", job.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let summary = stdout(&output);
    assert!(summary.starts_with("units: 1 ok (1 empty), 0 failed; rows in 0, rows out 0;"), "{summary}");
    assert!(summary.contains("  indicators TALIB: no rows, nothing written"), "{summary}");
    assert_eq!(std::fs::read(&file).unwrap(), before, "the file with rows is untouched");
    let manifest = support::manifest(&dir.path().join("out"));
    assert_eq!(manifest["units"][0]["status"], "empty", "{manifest}");
    assert!(summary.contains("stale: 1 files of earlier runs not listed by the manifest"), "{summary}");
}

/// Parameters a plugin refuses (`invalid-params`) stop the job before any unit runs, once, rather
/// than failing every unit one by one.
#[test]
fn parameters_out_of_range_stop_the_job_before_any_unit_runs() {
    let dir = TempDir::new().unwrap();
    let fixture = talib_csv(dir.path());
    let plugins = format!(
        "{}  - path: {}\n    name: hourly\n    params: {{ to: 1h }}\n",
        indicators_entry(""),
        plugin_wasm("resample").display()
    );
    let job = write_job(
        dir.path(),
        &format!("fixture: {}", fixture.display()),
        "TALIB",
        "1d",
        talib_window(),
        &plugins,
    );
    let output = run(&["run", job.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let err = stderr(&output);
    let line = err.lines().find(|l| l.starts_with("error: ")).unwrap_or_default();
    assert_eq!(
        line,
        "error: plugins[1] (hourly (plugin resample)): invalid parameters: parameter \"to\" must be a timeframe \
         higher than the unit's 1d, got \"1h\" (checked before any unit ran)"
    );
    assert_eq!(stdout(&output), "", "no unit ran, no summary");
    assert!(!dir.path().join("out").exists(), "nothing written");

    let job = write_job(
        dir.path(),
        "",
        "EURUSD",
        "1h",
        (window_start(), "2018-02-01".into()),
        &indicators_entry(", macd_fast: 0"),
    );
    let output = run(&["run", job.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    // A 0.2 plugin refuses them in its plan, which runs before any unit.
    let line = stderr(&output).lines().find(|l| l.starts_with("error: ")).unwrap_or_default().to_owned();
    assert!(line.ends_with("plugin indicators: plan: invalid parameters: parameter \"macd_fast\" is 0 (expected 2..=100000 bars)"), "{line}");
}

/// A new user, at a terminal, is told that the first run compiles each plugin before anything
/// else appears, and that later runs use the cache. (`script` gives the run a terminal.)
#[test]
fn the_first_run_says_it_compiles_each_plugin_and_later_runs_do_not() {
    let dir = TempDir::new().unwrap();
    let plugins = format!("{}  - path: {}\n", indicators_entry(""), plugin_wasm("events").display());
    let job = write_job(dir.path(), "", "EURUSD", "1h", (window_start(), "2018-02-01".into()), &plugins);
    let at_a_terminal = || {
        let command = format!("{} run {}", env!("CARGO_BIN_EXE_candlewick"), job.display());
        let output = std::process::Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .env_remove("DATABASE_URL")
            .output()
            .expect("script (util-linux) runs");
        assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
        stdout(&output)
    };
    let first = at_a_terminal();
    let mut at = 0;
    for plugin in ["indicators", "events"] {
        // `compiling plugin P (0.1 MB) for this machine, about 1 s (once per plugin version; kept
        // in CACHE/compiled)`, then `compiled P in 0.5 s`.
        let note = format!("compiling plugin {} (", plugin_wasm(plugin).display());
        let found = first[at..].find(&note).unwrap_or_else(|| panic!("{note} after byte {at} of {first}"));
        let line = first[at + found..].lines().next().unwrap();
        let kept =
            format!("(once per plugin version; kept in {})", dir.path().join("cache/compiled").display());
        assert!(line.contains("for this machine, about ") && line.contains(&kept), "{line}");
        let done = format!("compiled {} in ", plugin_wasm(plugin).display());
        let found = first[at..].find(&done).unwrap_or_else(|| panic!("{done} after byte {at} of {first}"));
        at += found + done.len();
    }
    assert!(first[..at].find("units").is_none(), "the notes come before any unit: {first}");
    let again = at_a_terminal();
    assert!(!again.contains("compiling"), "{again}");
    assert!(again.contains("units: 2 ok, 0 failed;"), "{again}");

    // Without a terminal the notes are in the log at `info`, and stderr stays quiet.
    let dir = TempDir::new().unwrap();
    let job = write_job(dir.path(), "", "EURUSD", "1h", (window_start(), "2018-02-01".into()), &plugins);
    let piped = run(&["run", job.to_str().unwrap()]);
    assert!(!stderr(&piped).contains("compil"), "{}", stderr(&piped));
}

#[test]
fn a_job_that_cannot_run_exits_1_naming_the_cause() {
    let dir = TempDir::new().unwrap();
    let not_a_component = dir.path().join("junk.wasm");
    std::fs::write(&not_a_component, b"\0asm junk").unwrap();
    let plugins = format!("  - path: {}\n", not_a_component.display());
    let job = write_job(dir.path(), "", "EURUSD", "1h", (window_start(), "2018-02-01".into()), &plugins);
    let output = run(&["run", job.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("junk.wasm is not a Wasm component"), "{}", stderr(&output));

    let plugins =
        format!("  - path: {}\n    params: {{ sma_perod: 3 }}\n", plugin_wasm("indicators").display());
    let job = write_job(dir.path(), "", "EURUSD", "1h", (window_start(), "2018-02-01".into()), &plugins);
    let output = run(&["run", job.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("unknown parameter \"sma_perod\""), "{}", stderr(&output));
}

#[test]
fn inspect_prints_what_the_plugin_describes() {
    let output = run(&["inspect", "--json", plugin_wasm("indicators").to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let info: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(info["name"], "indicators");
    assert_eq!(info["kind"], "feature-builder");
    // Its table is host-held columns: the columnar world of its kind.
    assert_eq!(info["world"], "columnar-feature-builder");
    assert!(
        info["params"].as_array().unwrap().iter().any(|p| p["name"] == "sma_period" && p["default"] == 20)
    );
    assert!(info["outputs"].as_array().unwrap().iter().any(|o| o == "macd_signal"));
    let output = run(&["inspect", plugin_wasm("resample").to_str().unwrap()]);
    assert!(stdout(&output).contains("(sampler, candlewick:market-data@0.2.0)"), "{}", stdout(&output));
}

/// The host resolves the warm-up the plugin's plan declares (bars) to a start time before the
/// window: look-back values are exact from the window's first bar. A 0.2 plugin's warm-up is its
/// plan's, which a job cannot override.
#[test]
fn warm_up_bars_before_the_window_feed_the_look_back() {
    let dir = TempDir::new().unwrap();
    let fixture = talib_csv(dir.path());
    let source = format!("fixture: {}", fixture.display());
    let run_window = |first: i64, plugins: &str| {
        let window = (
            Timestamp::from_micros(TALIB_START + first * DAY).to_string(),
            Timestamp::from_micros(TALIB_START + 251 * DAY).to_string(),
        );
        let job = write_job(dir.path(), &source, "TALIB", "1d", window, plugins);
        let output = run(&["run", job.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        read_parquet(&support::unit_file(&dir.path().join("out"), "indicators", "TALIB"))
    };
    // Short periods, so that the warm-up fits in the 100 bars before the window: SMA(30) needs 29
    // bars; RSI(2) and MACD(2, 3, 1) need TA-Lib's look-back of 2 and 40 bars for their seed to
    // decay (α = 1/2, 0.5^40 ≤ 1e-12; plugins/indicators/README.md): the plan asks 42.
    let short = format!(
        "  - path: {}\n    params: {{ sma_period: 30, ema_period: 1, rsi_period: 2, macd_fast: 2, macd_slow: 3, \
         macd_signal: 1, atr_period: 1 }}\n",
        plugin_wasm("indicators").display()
    );
    let whole = run_window(0, &short);
    let later = run_window(100, &short);
    assert_eq!(later.ts.len(), 152);
    // TA-Lib's SMA keeps a running sum, so a different first bar moves the last bits only; the
    // recursive columns agree as the plugin promises (start-invariance, 1e-9 relative).
    for column in ["sma", "rsi", "macd_signal"] {
        let expected = whole.floats[column][100];
        assert_close(later.floats[column][0], expected, 1e-9 * expected.abs(), column);
    }
    assert_eq!(
        later.metadata["candlewick.warm_up_from"],
        Timestamp::from_micros(TALIB_START + 58 * DAY).to_string()
    );

    let plugins = format!("{}    warm_up_bars: 0\n", indicators_entry(""));
    let job = write_job(dir.path(), &source, "TALIB", "1d", talib_window(), &plugins);
    let output = run(&["run", job.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("(expected no `warm_up_bars`)"), "{}", stderr(&output));
}

/// The embedded sample's bars as (timestamp µs, close), from the file it is compiled from.
fn sample_closes() -> Vec<(i64, f64)> {
    let text = std::fs::read_to_string(repo_path("host/fixtures/eurusd_1h_2018.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            (Timestamp::parse(f[0]).unwrap().as_micros(), f[4].parse().unwrap())
        })
        .collect()
}

fn run_embedded(
    dir: &Path,
    window: (String, String),
    extra: &str,
    plugin: &str,
    params: &str,
) -> support::ParquetTable {
    let plugins = format!("  - path: {}\n    params: {{ {params} }}\n", plugin_wasm(plugin).display());
    let job = write_job(dir, extra, "EURUSD", "1h", window, &plugins);
    let output = run(&["run", job.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    read_parquet(&support::unit_file(&dir.join("out"), plugin, "EURUSD"))
}

#[test]
fn tick_bars_match_fixed_chunks_of_the_window() {
    let dir = TempDir::new().unwrap();
    let window = ("2018-03-01T00:00:00Z".to_owned(), "2018-06-30T23:00:00Z".to_owned());
    let table = run_embedded(dir.path(), window.clone(), "", "bars", "kind: tick, threshold: 24");
    let (start, end) =
        (Timestamp::parse(&window.0).unwrap().as_micros(), Timestamp::parse(&window.1).unwrap().as_micros());
    let bars: Vec<(i64, f64)> =
        sample_closes().into_iter().filter(|(ts, _)| *ts >= start && *ts <= end).collect();
    let chunks: Vec<&[(i64, f64)]> = bars.chunks_exact(24).collect();
    assert_eq!(
        table.ts,
        chunks.iter().map(|c| c[0].0).collect::<Vec<_>>(),
        "a bar per 24 rows, the partial last one dropped"
    );
    assert_eq!(table.ints["end_ts"], chunks.iter().map(|c| c[23].0).collect::<Vec<_>>());
    assert_eq!(table.floats["open"], chunks.iter().map(|c| c[0].1).collect::<Vec<_>>());
    assert_eq!(table.floats["close"], chunks.iter().map(|c| c[23].1).collect::<Vec<_>>());
    let high: Vec<f64> = chunks.iter().map(|c| c.iter().map(|b| b.1).fold(f64::MIN, f64::max)).collect();
    assert_eq!(table.floats["high"], high);
    assert!(table.ints["ticks"].iter().all(|t| *t == 24));
}

/// CUSUM events and triple-barrier labels, recomputed here from the README's rules; events whose
/// barriers need bars after `as_of` stay unresolved rather than peeking.
#[test]
fn events_match_an_independent_cusum_and_triple_barrier() {
    let (h, pt, sl, vertical) = (0.004, 0.01, 0.01, 48usize);
    let dir = TempDir::new().unwrap();
    let window = ("2018-01-03T05:00:00Z".to_owned(), "2018-03-29T23:00:00Z".to_owned());
    let params =
        format!("cusum_threshold: {h}, profit_take: {pt}, stop_loss: {sl}, vertical_bars: {vertical}");
    let table = run_embedded(dir.path(), window.clone(), "as_of: 2018-03-29T23:00:00Z", "events", &params);

    let bars = sample_closes();
    let (start, end) =
        (Timestamp::parse(&window.0).unwrap().as_micros(), Timestamp::parse(&window.1).unwrap().as_micros());
    let available = bars.partition_point(|(ts, _)| *ts <= end); // as_of = end
    let (mut s_pos, mut s_neg) = (0.0f64, 0.0f64);
    let mut expected = Vec::new(); // (ts, label, resolved, t1, ret)
    for i in bars.partition_point(|(ts, _)| *ts < start)..available {
        if i == 0 {
            continue;
        }
        let r = (bars[i].1 / bars[i - 1].1).ln();
        s_pos = (s_pos + r).max(0.0);
        s_neg = (s_neg + r).min(0.0);
        let fired = if s_pos > h {
            s_pos = 0.0;
            true
        } else if s_neg < -h {
            s_neg = 0.0;
            true
        } else {
            false
        };
        if !fired {
            continue;
        }
        let close0 = bars[i].1;
        let mut outcome = None;
        for k in 1..=vertical {
            let j = i + k;
            if j >= available {
                break;
            }
            let ret = bars[j].1 / close0 - 1.0;
            if ret >= pt {
                outcome = Some((1, bars[j].0, ret));
            } else if ret <= -sl {
                outcome = Some((-1, bars[j].0, ret));
            } else if k == vertical {
                outcome = Some((0, bars[j].0, ret));
            }
            if outcome.is_some() {
                break;
            }
        }
        expected.push(match outcome {
            Some((label, t1, ret)) => (bars[i].0, label, 1, t1, ret),
            None => {
                let last = (i + vertical).min(available - 1);
                (bars[i].0, 0, 0, bars[last].0, bars[last].1 / close0 - 1.0)
            }
        });
    }
    assert!(expected.len() > 20, "the window has events: {}", expected.len());
    assert!(expected.iter().any(|e| e.2 == 0), "the last events are cut by as_of");
    assert_eq!(table.ts, expected.iter().map(|e| e.0).collect::<Vec<_>>());
    assert_eq!(table.ints["label"], expected.iter().map(|e| e.1).collect::<Vec<_>>());
    assert_eq!(table.ints["resolved"], expected.iter().map(|e| e.2).collect::<Vec<_>>());
    assert_eq!(table.ints["t1"], expected.iter().map(|e| e.3).collect::<Vec<_>>());
    for (got, want) in table.floats["ret"].iter().zip(&expected) {
        assert_close(*got, want.4, 1e-12, "ret");
    }
}

/// A Python feature builder (`zscore`, componentize-py) and a JavaScript sampler (`swings`, jco)
/// in one job beside a Rust plugin, from PostgreSQL and from the embedded sample: the same files either
/// way, and the Python plugin's log returns equal to an independent computation.
#[test]
fn python_and_javascript_plugins_run_beside_rust_in_one_job() {
    let dir = TempDir::new().unwrap();
    let db = support::migrated_db();
    support::ingest_sample(db.url());
    let plugins = format!(
        "  - path: {}\n  - path: {}\n    params: {{ period: 24 }}\n  - path: {}\n    params: {{ threshold: 0.5 }}\n",
        plugin_wasm("indicators").display(),
        plugin_wasm("zscore").display(),
        plugin_wasm("swings").display()
    );
    let window = ("2018-03-01T00:00:00Z".to_owned(), "2018-05-31T23:00:00Z".to_owned());
    let mut runs = Vec::new();
    // No source key: the embedded sample, the same bars as the file ingested above.
    for (name, source) in [("embedded", ""), ("database", "database:\n  url: ${CW_JOB_TEST_URL}")] {
        let job = write_job(dir.path(), &format!("{source}\n"), "EURUSD", "1h", window.clone(), &plugins);
        let output = support::candlewick()
            .args(["run", job.to_str().unwrap()])
            .env("CW_JOB_TEST_URL", db.url())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{name}: {}{}", stdout(&output), stderr(&output));
        let table =
            |plugin: &str| read_parquet(&support::unit_file(&dir.path().join("out"), plugin, "EURUSD"));
        runs.push((table("indicators"), table("zscore"), table("swings")));
    }

    let (indicators, zscore, swings) = &runs[0];
    // The Python plugin: one row per bar of the window, log returns as computed here.
    assert_eq!(zscore.ts, indicators.ts);
    let closes: std::collections::BTreeMap<i64, f64> = sample_closes().into_iter().collect();
    for (i, ts) in zscore.ts.iter().enumerate() {
        let previous = closes.range(..*ts).next_back().map(|(_, c)| *c).unwrap();
        let expected = (closes[ts] / previous).ln();
        assert_close(zscore.floats["log_return"][i], expected, 1e-12, "log_return");
    }
    // The JavaScript sampler: alternating swing highs and lows inside the window.
    let directions = &swings.ints["direction"];
    assert!(directions.len() >= 4, "{directions:?}");
    assert!(directions.windows(2).all(|w| w[0] == -w[1]), "swings alternate: {directions:?}");
    let (start, end) =
        (Timestamp::parse(&window.0).unwrap().as_micros(), Timestamp::parse(&window.1).unwrap().as_micros());
    assert!(swings.ts.iter().all(|ts| (start..=end).contains(ts)));

    // The same output from PostgreSQL, bit for bit.
    let (db_indicators, db_zscore, db_swings) = &runs[1];
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    for (a, b) in [(indicators, db_indicators), (zscore, db_zscore), (swings, db_swings)] {
        assert_eq!(a.ts, b.ts);
        for (name, values) in &a.floats {
            assert_eq!(bits(values), bits(&b.floats[name]), "{name}");
        }
        assert_eq!(a.ints, b.ints);
    }
    assert_eq!(db_zscore.metadata["candlewick.source"], "database");
}

/// `-q` leaves stderr to errors; `-v`, `RUST_LOG` and `CANDLEWICK_LOG` open the log; colour only
/// on a terminal and never with `NO_COLOR`.
#[test]
fn quiet_verbose_and_colour_follow_the_flags_and_the_environment() {
    let dir = TempDir::new().unwrap();
    let job = write_job(
        dir.path(),
        "",
        "EURUSD",
        "1h",
        (window_start(), "2018-02-01".into()),
        &indicators_entry(""),
    );
    let job = job.to_str().unwrap();
    let with_env = |args: &[&str], env: &[(&str, &str)]| {
        let mut command = support::candlewick();
        command.args(args).env_remove("DATABASE_URL").env_remove("RUST_LOG").env_remove("CANDLEWICK_LOG");
        for (k, v) in env {
            command.env(k, v);
        }
        let output = command.output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        output
    };
    let plain = with_env(&["run", job], &[]);
    assert!(stderr(&plain).contains("indicators EURUSD: ok, "), "a line per unit: {}", stderr(&plain));
    assert!(!stderr(&plain).contains("plugins loaded"), "info is not logged by default");
    let quiet = with_env(&["run", job, "-q"], &[]);
    assert_eq!(stderr(&quiet), "", "-q: nothing but errors");
    assert!(
        stdout(&quiet).starts_with("units: 1 ok, 0 failed;"),
        "the summary is the output: {}",
        stdout(&quiet)
    );
    for (args, env) in [
        (vec!["run", job, "-v"], vec![]),
        (vec!["run", job], vec![("RUST_LOG", "info")]),
        (vec!["run", job], vec![("CANDLEWICK_LOG", "candlewick=info"), ("RUST_LOG", "error")]),
    ] {
        let err = stderr(&with_env(&args, &env));
        assert!(err.contains("plugins loaded"), "{args:?} {env:?}: {err}");
        assert!(!err.contains('\u{1b}'), "no escape codes off a terminal: {err:?}");
    }

    // At a terminal (`script` gives one), the log is coloured unless NO_COLOR is set.
    let at_a_terminal = |no_color: bool| {
        let command = format!("{} run {job} -v", env!("CARGO_BIN_EXE_candlewick"));
        let mut script = std::process::Command::new("script");
        script.args(["-qec", &command, "/dev/null"]).env_remove("RUST_LOG").env_remove("CANDLEWICK_LOG");
        if no_color {
            script.env("NO_COLOR", "1");
        } else {
            script.env_remove("NO_COLOR");
        }
        let output = script.output().expect("script (util-linux) runs");
        assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
        stdout(&output)
    };
    // A colour: ESC [ digits (and ;) m.
    let coloured = |text: &str| {
        text.split('\u{1b}').skip(1).any(|rest| {
            rest.strip_prefix('[').is_some_and(|r| {
                let end = r.find(|c: char| !(c.is_ascii_digit() || c == ';')).unwrap_or(r.len());
                end > 0 && r[end..].starts_with('m')
            })
        })
    };
    assert!(coloured(&at_a_terminal(false)), "coloured at a terminal");
    assert!(!coloured(&at_a_terminal(true)), "NO_COLOR: no colour codes");
}

/// Output cut short by its reader (`| head`) is not an error: no `Broken pipe`, exit 0.
#[test]
fn output_piped_into_head_ends_quietly() {
    let command = format!(
        "set -o pipefail; '{}' test '{}' --fixture '{}' --symbol EURUSD --timeframe 1h --csv | head -n 2",
        env!("CARGO_BIN_EXE_candlewick"),
        plugin_wasm("indicators").display(),
        repo_path(support::SAMPLE).display()
    );
    let output = std::process::Command::new("bash").args(["-c", &command]).output().unwrap();
    assert_eq!(stdout(&output).lines().count(), 2, "{}", stdout(&output));
    assert_eq!(stderr(&output), "", "nothing said about the closed pipe");
    assert_eq!(output.status.code(), Some(0), "candlewick exits 0 (pipefail)");
}
