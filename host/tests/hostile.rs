//! Hostile plugins against the sandbox: an endless loop, a memory bomb, deep recursion, a panic, ten
//! years of minute bars in one call, reads outside the unit, a huge output, WASI capabilities and
//! imports the host does not grant. The plugins are written for these tests (`tests/hostile/<name>`,
//! built into `target/hostile/` by `scripts/build-hostile`) and run through the `candlewick` binary
//! beside the real `indicators` plugin, over a fixture: no database.
//!
//! Each test checks three things:
//! - the named error: the unit fails with a message naming the plugin, the symbol, and the limit
//!   with its value (or the cause);
//! - the host survives: the job runs to its summary and exits 2 (partial failure), or, for a plugin
//!   that cannot load, exits 1 with a one-line error before anything runs;
//! - the other units are complete and correct: the `indicators` output, bit for bit and row for
//!   row, is the output of the same job without the hostile plugin.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use candlewick::domain::Timestamp;
use support::{ParquetTable, plugin_wasm, read_parquet, repo_path, stderr, stdout};
use tempfile::TempDir;

/// A hostile plugin component; `scripts/build-hostile` makes them.
fn hostile_wasm(name: &str) -> PathBuf {
    let path = repo_path(&format!("target/hostile/{name}.wasm"));
    assert!(path.exists(), "{} is missing: run scripts/build-hostile", path.display());
    path
}

/// The job's limits, small so that hostile plugins are stopped fast.
const LIMITS: &str = "limits: { memory_mb: 64, call_timeout_secs: 1 }";

/// Two units at once, the job's limits.
const SETTINGS: &str = "workers: 2\nlimits: { memory_mb: 64, call_timeout_secs: 1 }";

/// One job: where its bars come from and what it covers.
#[derive(Debug, Clone, Copy)]
struct JobSpec<'a> {
    /// `fixture: …`, or nothing for the embedded EURUSD 1h 2018 sample.
    source: &'a str,
    symbols: &'a [&'a str],
    timeframe: &'a str,
    start: &'a str,
    end: &'a str,
    /// Top-level keys: `workers`, `limits`, `fail_fast`.
    settings: &'a str,
}

/// March 2018 of the embedded sample.
const EMBEDDED_MARCH: JobSpec<'static> = JobSpec {
    source: "",
    symbols: &["EURUSD"],
    timeframe: "1h",
    start: "2018-03-01",
    end: "2018-03-31T23:00:00Z",
    settings: SETTINGS,
};

/// A finished run of the binary, with the folder it wrote to.
struct JobRun {
    output: Output,
    elapsed: Duration,
    dir: TempDir,
}

impl JobRun {
    /// The summary, with each failure named by its plugin: every entry here has a `name:` of its
    /// own (see [`hostile`]), which a failure puts first (`panic-3 (plugin panic) on EURUSD: …`).
    fn stdout(&self) -> String {
        stdout(&self.output)
            .lines()
            .map(|line| match line.strip_prefix("  FAILED ").and_then(|rest| rest.split_once(" (plugin ")) {
                Some((_, rest)) => format!("  FAILED plugin {rest}\n").replacen(") on ", " on ", 1),
                None => format!("{line}\n"),
            })
            .collect()
    }

    fn stderr(&self) -> String {
        stderr(&self.output)
    }

    /// The job ran to its summary and said that some units failed: exit 2, not a crash.
    fn assert_survived(&self, ok: usize, failed: usize) {
        assert_eq!(
            self.output.status.code(),
            Some(2),
            "stdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        let summary = self.stdout();
        // `, N not run` may follow, when the job stopped early.
        let counted = summary.strip_prefix(&format!("units: {ok} ok, {failed} failed")).unwrap_or_default();
        assert!(counted.starts_with(';') || counted.starts_with(", "), "{summary}");
        // A host panic starts its own line (and exits 101); a plugin's is quoted inside a unit's.
        let host_panic = self.stderr().lines().any(|l| l.starts_with("thread '"));
        assert!(!host_panic, "the host panicked:\n{}", self.stderr());
    }

    /// The summary lists `line` as a failed unit.
    fn assert_failed_with(&self, line: &str) {
        let summary = self.stdout();
        assert!(
            summary.lines().any(|l| l == format!("  FAILED {line}")),
            "no `FAILED {line}` in:\n{summary}"
        );
    }

    fn table(&self, plugin: &str, symbol: &str) -> ParquetTable {
        read_parquet(&support::unit_file(&self.dir.path().join("out"), plugin, symbol))
    }
}

impl JobSpec<'_> {
    /// Runs this job with `plugins` (YAML list items) in a fresh folder.
    fn run(&self, plugins: &str) -> JobRun {
        let dir = TempDir::new().unwrap();
        let text = format!(
            "{}\nsymbols: [{}]\ntimeframe: {}\nstart: {}\nend: {}\noutput: out\n{}\n\
             cache_dir: {}\nplugins:\n{plugins}",
            self.source,
            self.symbols.join(", "),
            self.timeframe,
            self.start,
            self.end,
            self.settings,
            // Compiled plugins shared by the tests: a debug host compiles slowly.
            repo_path("target/test-cache/candlewick").display(),
        );
        let job = dir.path().join("job.yaml");
        std::fs::write(&job, text).unwrap();
        let started = Instant::now();
        let output = support::candlewick()
            .args(["run", job.to_str().unwrap()])
            .env_remove("DATABASE_URL")
            .output()
            .expect("candlewick runs");
        JobRun { output, elapsed: started.elapsed(), dir }
    }

    /// The job with `indicators` only: what its output must be beside any hostile plugin.
    fn reference(&self) -> Vec<ParquetTable> {
        let run = self.run(&indicators());
        assert_eq!(run.output.status.code(), Some(0), "{}", run.stderr());
        self.symbols.iter().map(|symbol| run.table("indicators", symbol)).collect()
    }

    /// `indicators` wrote each symbol's table, `bars` rows each, the same to the bit as `reference`.
    fn assert_good_output(&self, run: &JobRun, reference: &[ParquetTable], bars: usize) {
        for (symbol, expected) in self.symbols.iter().zip(reference) {
            let table = run.table("indicators", symbol);
            assert_eq!(table.ts.len(), bars, "indicators on {symbol}: every bar of the window");
            assert_eq!(table.ts, expected.ts, "indicators on {symbol}: timestamps");
            assert_eq!(table.floats.keys().collect::<Vec<_>>(), expected.floats.keys().collect::<Vec<_>>());
            for (name, values) in &expected.floats {
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&table.floats[name]), bits(values), "indicators on {symbol}: column {name}");
            }
            assert_eq!(
                table.metadata["candlewick.plugin_sha256"],
                expected.metadata["candlewick.plugin_sha256"]
            );
        }
    }
}

/// The `indicators` plugin's entry, default parameters.
fn indicators() -> String {
    format!("  - path: {}\n", plugin_wasm("indicators").display())
}

/// A hostile plugin's entry; `extra` are further keys of the entry (`params:`, `limits:`). Each
/// entry writes to a folder of its own, `<name>-<n>`, unless `extra` gives its `name:`: a job
/// refuses two entries that would write to the same folder.
fn hostile(name: &str, extra: &str) -> String {
    static ENTRIES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let mut keys = String::new();
    if !extra.lines().any(|line| line.trim_start().starts_with("name:")) {
        let n = ENTRIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        keys.push_str(&format!("    name: {name}-{n}\n"));
    }
    if !extra.is_empty() {
        keys.push_str(&format!("    {extra}\n"));
    }
    format!("  - path: {}\n{keys}", hostile_wasm(name).display())
}

/// Bars of the embedded sample in March 2018.
const MARCH_BARS: usize = 526;

/// The reference of [`EMBEDDED_MARCH`], run once for every test that uses it.
fn embedded_reference() -> &'static [ParquetTable] {
    static REFERENCE: OnceLock<Vec<ParquetTable>> = OnceLock::new();
    REFERENCE.get_or_init(|| EMBEDDED_MARCH.reference())
}

/// An endless loop is stopped at the CPU limit, whether it computes or spends its time in host
/// calls (a loop of cheap reads, which the epoch can stop only between them; its reader call
/// limit is lifted so that the CPU limit is what stops it).
#[test]
fn an_endless_loop_fails_its_unit_at_the_cpu_time_limit() {
    let reader_loop = "params: { how: reader }\n    limits: { reader_calls_per_unit: 1000000000000 }";
    let plugins = format!("{}{}{}", hostile("spin", ""), indicators(), hostile("spin", reader_loop));
    let run = EMBEDDED_MARCH.run(&plugins);
    run.assert_survived(1, 2);
    let summary = run.stdout();
    let stopped =
        summary.matches("  FAILED plugin spin on EURUSD: CPU time limit 1 s per call exceeded\n").count();
    assert_eq!(stopped, 2, "both loops stopped at the limit:\n{summary}");
    assert!(
        run.elapsed < Duration::from_secs(60),
        "stopped at its limit, not left to spin: {:?}",
        run.elapsed
    );
    EMBEDDED_MARCH.assert_good_output(&run, embedded_reference(), MARCH_BARS);
}

#[test]
fn a_memory_bomb_fails_its_unit_at_the_memory_limit() {
    let run = EMBEDDED_MARCH.run(&format!("{}{}", hostile("hog", ""), indicators()));
    run.assert_survived(1, 1);
    run.assert_failed_with("plugin hog on EURUSD: memory limit 64 MiB exceeded");
    EMBEDDED_MARCH.assert_good_output(&run, embedded_reference(), MARCH_BARS);
}

#[test]
fn deep_recursion_fails_its_unit_as_a_stack_overflow() {
    let run = EMBEDDED_MARCH.run(&format!("{}{}", indicators(), hostile("recurse", "")));
    run.assert_survived(1, 1);
    run.assert_failed_with("plugin recurse on EURUSD: stack overflow (deep recursion)");
    EMBEDDED_MARCH.assert_good_output(&run, embedded_reference(), MARCH_BARS);
}

#[test]
fn a_panic_or_an_abort_fails_its_unit_quoting_the_panic_message() {
    let plugins = format!(
        "{}{}{}",
        hostile("panic", "params: { how: panic }"),
        indicators(),
        hostile("panic", "params: { how: abort }")
    );
    let run = EMBEDDED_MARCH.run(&plugins);
    run.assert_survived(1, 2);
    let summary = run.stdout();
    let panicked = summary
        .lines()
        .find(|l| l.starts_with("  FAILED plugin panic on EURUSD: panicked or aborted; its stderr ends: "))
        .unwrap_or_else(|| panic!("no panic quoted in:\n{summary}"));
    assert!(panicked.contains(" panicked at tests/hostile/panic/src/lib.rs:"), "{panicked}");
    assert!(panicked.ends_with(": the hostile plugin panics on EURUSD"), "{panicked}");
    run.assert_failed_with("plugin panic on EURUSD: panicked or aborted");
    EMBEDDED_MARCH.assert_good_output(&run, embedded_reference(), MARCH_BARS);
}

/// `fail_fast: true` stops the job at the first failed unit: with one worker, the unit after it
/// does not run.
#[test]
fn fail_fast_stops_the_job_at_the_first_failure() {
    // Two symbols, one worker: the unit of EURUSD (both plugins, side by side) fails; GBPUSD's
    // never starts.
    let data = TempDir::new().unwrap();
    let sample = std::fs::read_to_string(repo_path("host/fixtures/eurusd_1h_2018.csv")).unwrap();
    let mut text = String::from("symbol,timeframe,timestamp,open,high,low,close,volume\n");
    for symbol in ["EURUSD", "GBPUSD"] {
        for line in sample.lines().skip(1).filter(|l| l.starts_with("2018-03")) {
            text.push_str(&format!("{symbol},1h,{line}\n"));
        }
    }
    let fixture = data.path().join("two.csv");
    std::fs::write(&fixture, text).unwrap();
    let source = format!("fixture: {}", fixture.display());
    let settings = format!("workers: 1\nfail_fast: true\n{LIMITS}");
    let spec =
        JobSpec { source: &source, symbols: &["EURUSD", "GBPUSD"], settings: &settings, ..EMBEDDED_MARCH };
    let run = spec.run(&format!("{}{}", hostile("panic", ""), indicators()));
    run.assert_survived(1, 1);
    assert!(
        run.stdout().contains("  FAILED plugin panic on EURUSD: panicked or aborted"),
        "{}",
        run.stdout()
    );
    let written = files_under(&run.dir.path().join("out"));
    assert!(
        written.iter().any(|f| f.contains("EURUSD")),
        "the failed unit's other plugin wrote: {written:?}"
    );
    assert!(
        !written.iter().any(|f| f.contains("GBPUSD")),
        "the unit after the failure did not run: {written:?}"
    );
}

/// Every file under `dir`, as text.
fn files_under(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path.display().to_string());
        }
    }
    found
}

/// 28,800 1-minute EURUSD bars from 2024-01-01: a fixture too large for a 1 MiB read.
fn minute_bars(dir: &Path) -> PathBuf {
    const START: i64 = 1_704_067_200_000_000; // 2024-01-01T00:00:00Z
    let mut text = String::from("symbol,timeframe,timestamp,open,high,low,close,volume\n");
    for i in 0..28_800i64 {
        let close = 1.1 + 0.01 * (i as f64 / 100.0).sin();
        let ts = Timestamp::from_micros(START + i * 60_000_000);
        text.push_str(&format!(
            "EURUSD,1m,{ts},{close:.5},{:.5},{:.5},{:.5},{}\n",
            close + 0.0002,
            close - 0.0002,
            close + 0.0001,
            i % 7
        ));
    }
    let path = dir.join("eurusd_1m.csv");
    std::fs::write(&path, text).unwrap();
    path
}

/// Ten years of minute bars asked for at once get `too-large`, naming the limit, before the host
/// fetches them: in one call past the bytes per call, streamed past the unit's bars. With room
/// enough, the same call is served: the limit is what refused it.
#[test]
fn ten_years_of_minute_bars_in_one_call_are_too_large_not_served() {
    let fixture_dir = TempDir::new().unwrap();
    let source = format!("fixture: {}", minute_bars(fixture_dir.path()).display());
    let spec = JobSpec {
        source: &source,
        symbols: &["EURUSD"],
        timeframe: "1m",
        start: "2014-01-20",
        end: "2024-01-20T23:59:00Z",
        settings: "workers: 2\nlimits: { memory_mb: 64, call_timeout_secs: 1, mb_per_call: 1 }",
    };
    let plugins = format!(
        "{}{}{}{}",
        hostile("greedy", ""),
        indicators(),
        hostile("greedy", "params: { how: stream }\n    limits: { rows_per_unit: 20000 }"),
        hostile("greedy", "limits: { mb_per_call: 64 }"),
    );
    let run = spec.run(&plugins);
    run.assert_survived(1, 3);
    run.assert_failed_with(
        "plugin greedy on EURUSD: read failed: too large: more than 1048576 bytes per reader call",
    );
    run.assert_failed_with(
        "plugin greedy on EURUSD: read failed: too large: more than 20000 bars per unit of work",
    );
    run.assert_failed_with("plugin greedy on EURUSD: the reader served all 28800 bars of ten years");
    spec.assert_good_output(&run, &spec.reference(), 28_800);
}

/// The embedded sample's February to April 2018 as EURUSD 1h, GBPUSD 1h (prices × 1.2) and
/// EURUSD 1d (the midnight bars): other series, and bars before and after a March job.
fn multi_series(dir: &Path) -> PathBuf {
    let sample = std::fs::read_to_string(repo_path("host/fixtures/eurusd_1h_2018.csv")).unwrap();
    let mut text = String::from("symbol,timeframe,timestamp,open,high,low,close,volume\n");
    for line in sample.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if !("2018-02".."2018-05").contains(&&f[0][..7]) {
            continue;
        }
        let prices: Vec<f64> = f[1..5].iter().map(|p| p.parse().unwrap()).collect();
        let row = |symbol: &str, timeframe: &str, scale: f64| {
            let [o, h, l, c] = [0, 1, 2, 3].map(|i| prices[i] * scale);
            format!("{symbol},{timeframe},{},{o},{h},{l},{c},0\n", f[0])
        };
        text.push_str(&row("EURUSD", "1h", 1.0));
        text.push_str(&row("GBPUSD", "1h", 1.2));
        if f[0].ends_with("T00:00:00Z") {
            text.push_str(&row("EURUSD", "1d", 1.0));
        }
    }
    let path = dir.join("multi.csv");
    std::fs::write(&path, text).unwrap();
    path
}

/// Reads of another symbol, another timeframe, before the warm-up and after the as-of time are
/// `out-of-scope` to the plugin (it reports what the reader answered), though the fixture holds
/// those bars; and `latest` and `availability` do not reveal a bar after the as-of time.
#[test]
fn reads_outside_the_unit_are_out_of_scope() {
    let fixture_dir = TempDir::new().unwrap();
    let source = format!("fixture: {}", multi_series(fixture_dir.path()).display());
    let spec = JobSpec { source: &source, symbols: &["EURUSD", "GBPUSD"], ..EMBEDDED_MARCH };
    let mut plugins = indicators();
    for case in ["other-symbol", "other-timeframe", "before-warm-up", "after-as-of", "latest"] {
        plugins.push_str(&hostile("snoop", &format!("params: {{ case: {case} }}")));
    }
    let run = spec.run(&plugins);
    run.assert_survived(2, 10);
    for (symbol, other) in [("EURUSD", "GBPUSD"), ("GBPUSD", "EURUSD")] {
        let failed = |reason: &str| {
            run.assert_failed_with(&format!("plugin snoop on {symbol}: read failed: {reason}"))
        };
        failed(&format!("out of scope: {other} 1h (this unit reads {symbol} 1h only)"));
        failed(&format!("out of scope: {symbol} 1d (this unit reads {symbol} 1h only)"));
        failed("out of scope: start 2018-02-28T23:00:00Z is before the warm-up start 2018-03-01T00:00:00Z");
        failed("out of scope: end 2018-04-01T00:00:00Z is after the as-of time 2018-03-31T23:00:00Z");
        // 2018-03-30T20:00Z is the last bar before the weekend; April's bars stay unseen.
        let last = Timestamp::parse("2018-03-30T20:00:00Z").unwrap().as_micros();
        let as_of = Timestamp::parse("2018-03-31T23:00:00Z").unwrap().as_micros();
        run.assert_failed_with(&format!(
            "plugin snoop on {symbol}: latest Some({last}); availability latest Some({last}); as-of {as_of}"
        ));
    }
    spec.assert_good_output(&run, &spec.reference(), MARCH_BARS);
}

/// A table past the output limit fails its unit, naming the limit and what was returned, in rows
/// or in bytes; a table within it is written.
#[test]
fn a_huge_output_fails_its_unit_at_the_output_limit() {
    let plugins = format!(
        "{}{}{}{}",
        hostile("flood", "params: { rows: 1000000 }\n    limits: { output_rows: 100000 }"),
        indicators(),
        hostile("flood", "params: { rows: 300000, columns: 4 }\n    limits: { output_mb: 4 }"),
        hostile("flood", "name: flood\n    params: { rows: 1000 }\n    limits: { output_rows: 1000 }"),
    );
    let run = EMBEDDED_MARCH.run(&plugins);
    run.assert_survived(2, 2);
    run.assert_failed_with(
        "plugin flood on EURUSD: output limit 100000 rows exceeded (it returned 1000000 rows)",
    );
    run.assert_failed_with("plugin flood on EURUSD: output limit 4 MiB exceeded (it returned 11.4 MiB)");
    assert_eq!(run.table("flood", "EURUSD").ts.len(), 1000, "a table within the limit is written");
    EMBEDDED_MARCH.assert_good_output(&run, embedded_reference(), MARCH_BARS);
}

/// WASI is linked, so standard components load, but grants nothing: no file, no directory, no
/// environment, no arguments, no network; the clock stands at the epoch.
#[test]
fn wasi_capabilities_are_denied_at_run_time() {
    let run = EMBEDDED_MARCH.run(&format!("{}{}", indicators(), hostile("sandbox", "")));
    run.assert_survived(1, 1);
    let summary = run.stdout();
    let report = summary
        .lines()
        .find_map(|l| l.strip_prefix("  FAILED plugin sandbox on EURUSD: "))
        .unwrap_or_else(|| panic!("no sandbox report in:\n{summary}"));
    for denied in
        ["file: denied (", "dir: denied (", "env vars: 0;", "args: 0;", "tcp: denied (", "clock: allowed 0"]
    {
        assert!(report.contains(denied), "expected `{denied}` in: {report}");
    }
    EMBEDDED_MARCH.assert_good_output(&run, embedded_reference(), MARCH_BARS);
}

/// A plugin importing what the host does not provide — a made-up socket, or WASI's HTTP — fails at
/// load with one line naming the import; the job runs nothing and writes nothing. The host goes on:
/// in the same process, the job without it runs and its output is the reference.
#[test]
fn an_import_the_host_does_not_provide_fails_at_load_naming_it() {
    for (name, import) in
        [("unknown-import", "evil:net/socket#connect"), ("wasi-http", "wasi:http/types@0.2.12#fields")]
    {
        let run = EMBEDDED_MARCH.run(&format!("{}{}", indicators(), hostile(name, "")));
        assert_eq!(run.output.status.code(), Some(1), "{}", run.stderr());
        assert_eq!(
            run.stderr(),
            format!(
                "error: plugin {} imports {import}, which the host does not provide ({})\n",
                hostile_wasm(name).display(),
                candlewick::runtime::PROVIDED_IMPORTS
            )
        );
        assert!(!run.dir.path().join("out").exists(), "nothing ran, nothing was written");
    }

    let dir = TempDir::new().unwrap();
    let job_text = |plugins: &str| {
        format!(
            "symbols: [EURUSD]\ntimeframe: 1h\nstart: {}\nend: {}\noutput: out\n{LIMITS}\ncache_dir: {}\nplugins:\n{plugins}",
            EMBEDDED_MARCH.start,
            EMBEDDED_MARCH.end,
            repo_path("target/test-cache/candlewick").display()
        )
    };
    let parse =
        |text: &str| candlewick::job::Job::parse(text, &dir.path().join("job.yaml"), &|_| None).unwrap();
    let bad = parse(&job_text(&format!("{}{}", indicators(), hostile("unknown-import", ""))));
    let err = candlewick::job::run_job(&bad).unwrap_err();
    assert!(format!("{err:#}").contains("imports evil:net/socket#connect"), "{err:#}");
    let good = candlewick::job::run_job(&parse(&job_text(&indicators()))).unwrap();
    assert_eq!(good.failed().count(), 0);
    let table = read_parquet(&support::unit_file(&dir.path().join("out"), "indicators", "EURUSD"));
    assert_eq!(table.ts, embedded_reference()[0].ts);
    assert_eq!(
        table.floats["sma"].iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
        embedded_reference()[0].floats["sma"].iter().map(|x| x.to_bits()).collect::<Vec<_>>()
    );
}

/// A plugin's own name never becomes a path out of the output folder: `../../escaped` is refused
/// at load, naming it, and nothing is written anywhere.
#[test]
fn a_plugin_name_that_leaves_the_output_folder_is_refused_at_load() {
    let run = EMBEDDED_MARCH.run(&format!("{}{}", indicators(), hostile("escape", "name: '../../escaped'")));
    assert_eq!(run.output.status.code(), Some(1), "a `name:` that leaves the folder: {}", run.stderr());
    assert!(
        run.stderr().contains("plugins[1].name: \"../../escaped\" cannot name an output folder"),
        "{}",
        run.stderr()
    );

    // Without a `name:`, the plugin's own name is the folder's, and it is checked the same way.
    let escape = format!("  - path: {}\n", hostile_wasm("escape").display());
    let run = EMBEDDED_MARCH.run(&format!("{}{escape}", indicators()));
    assert_eq!(run.output.status.code(), Some(1), "{}", run.stderr());
    assert!(run.stderr().contains("../../escaped"), "the error names it: {}", run.stderr());
    assert!(!run.dir.path().join("out").exists(), "no unit ran");
    let outside = run.dir.path().join("out/../../escaped");
    assert!(!outside.exists(), "{} was written", outside.display());
}

/// Two entries that would write to one folder — the same plugin with other parameters, or a
/// plugin naming itself as another — are refused before any unit runs; `name:` gives each its own.
#[test]
fn two_entries_writing_to_one_folder_are_refused_until_named() {
    let sma = |period: u32, name: &str| {
        format!(
            "  - path: {}\n{name}    params: {{ sma_period: {period} }}\n",
            plugin_wasm("indicators").display()
        )
    };
    let run = EMBEDDED_MARCH.run(&format!("{}{}", sma(10, ""), sma(20, "")));
    assert_eq!(run.output.status.code(), Some(1), "{}", run.stderr());
    let indicators = plugin_wasm("indicators");
    assert_eq!(
        run.stderr(),
        format!(
            "error: plugins[0] ({0}) and plugins[1] ({0}) would both be the dataset indicators in {1} (expected \
             each entry a dataset of its own: give one a `name:`)\n",
            indicators.display(),
            run.dir.path().join("out").display()
        )
    );
    assert!(!run.dir.path().join("out").exists(), "refused before any unit ran");

    let run = EMBEDDED_MARCH.run(&format!("{}{}", sma(10, "    name: sma10\n"), sma(20, "")));
    assert_eq!(run.output.status.code(), Some(0), "{}", run.stderr());
    for (folder, period) in [("sma10", 10), ("indicators", 20)] {
        let table = run.table(folder, "EURUSD");
        assert_eq!(table.ts.len(), MARCH_BARS);
        let params: serde_json::Value = serde_json::from_str(&table.metadata["candlewick.params"]).unwrap();
        assert_eq!(params["sma_period"], period, "{folder} holds its own parameters");
    }
}

/// An output folder that is a link out of the output root is not followed: the unit fails, naming
/// it, and nothing is written where it points.
#[cfg(unix)]
#[test]
fn an_output_folder_linked_out_of_the_root_is_refused() {
    let elsewhere = TempDir::new().unwrap();
    let dir = TempDir::new().unwrap();
    let job = format!(
        "symbols: [EURUSD]\ntimeframe: 1h\nstart: {}\nend: {}\noutput: out\ncache_dir: {}\nplugins:\n{}",
        EMBEDDED_MARCH.start,
        EMBEDDED_MARCH.end,
        repo_path("target/test-cache/candlewick").display(),
        indicators()
    );
    std::fs::write(dir.path().join("job.yaml"), job).unwrap();
    let run = || {
        support::candlewick().args(["run", dir.path().join("job.yaml").to_str().unwrap()]).output().unwrap()
    };
    // A first run names the dataset's folder; a link replaces it.
    assert_eq!(run().status.code(), Some(0));
    let dataset = support::manifest(&dir.path().join("out"))["datasets"]["indicators"]["path"]
        .as_str()
        .unwrap()
        .to_owned();
    std::fs::remove_dir_all(dir.path().join("out").join(&dataset)).unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), dir.path().join("out").join(&dataset)).unwrap();
    let output = run();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let summary = stdout(&output);
    assert!(summary.contains("outside the output folder"), "{summary}");
    assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0, "nothing written through the link");
}

/// Symbols become partition folders that stay in their dataset: `BTC/USDT` is `symbol=BTC%2FUSDT`.
#[test]
fn symbols_with_path_characters_are_encoded_in_file_names() {
    let dir = TempDir::new().unwrap();
    let sample = std::fs::read_to_string(repo_path("host/fixtures/eurusd_1h_2018.csv")).unwrap();
    let mut text = String::from("symbol,timeframe,timestamp,open,high,low,close,volume\n");
    for line in sample.lines().skip(1).filter(|l| l.starts_with("2018-03")) {
        text.push_str(&format!("BTC/USDT,1h,{line}\n"));
        text.push_str(&format!("../up,1h,{line}\n"));
    }
    let fixture = dir.path().join("crypto.csv");
    std::fs::write(&fixture, text).unwrap();
    let source = format!("fixture: {}", fixture.display());
    let spec = JobSpec { source: &source, symbols: &["BTC/USDT", "../up"], ..EMBEDDED_MARCH };
    let run = spec.run(&indicators());
    assert_eq!(run.output.status.code(), Some(0), "{}", run.stderr());
    let out = run.dir.path().join("out");
    let dataset = out.join(support::manifest(&out)["datasets"]["indicators"]["path"].as_str().unwrap());
    let mut folders: Vec<String> =
        std::fs::read_dir(&dataset).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    folders.sort();
    assert_eq!(folders, ["symbol=..%2Fup", "symbol=BTC%2FUSDT"]);
    let table = read_parquet(&dataset.join("symbol=BTC%2FUSDT/data.parquet"));
    assert_eq!(table.metadata["candlewick.symbol"], "BTC/USDT");
    assert_eq!(table.ts.len(), MARCH_BARS);
}

/// A feature builder's rows are its window's bars, whatever it read: a plugin that read 9 bars and
/// returned 9 rows, or read nothing and returned none, fails; so do columns it does not describe.
/// Reading past the window's end is out of scope even when the job's as-of is later.
#[test]
fn a_feature_builders_rows_and_columns_are_checked_against_its_unit() {
    let plugins: String = ["partial", "nothing", "undescribed", "peek", "whole"]
        .iter()
        .map(|case| hostile("liar", &format!("name: liar-{case}\n    params: {{ case: {case} }}")))
        .chain([indicators()])
        .collect();
    let spec = JobSpec { settings: "workers: 2\nas_of: 2018-04-30T23:00:00Z", ..EMBEDDED_MARCH };
    let run = spec.run(&plugins);
    run.assert_survived(2, 4);
    let failed = |why: &str| run.assert_failed_with(&format!("plugin liar on EURUSD: {why}"));
    failed(&format!(
        "invalid output: 9 rows where the window has {MARCH_BARS} bars; first difference at row 9 \
         (expected the bars' timestamps)"
    ));
    failed(&format!(
        "invalid output: 0 rows where the window has {MARCH_BARS} bars; first difference at row 0 \
         (expected the bars' timestamps)"
    ));
    failed(
        "invalid output: returned columns [close, secret] (expected the outputs it describes, in \
         order: [close])",
    );
    failed(
        "read failed: out of scope: end 2018-04-01T00:00:00Z is after the as-of time 2018-03-31T23:00:00Z",
    );
    let whole = run.table("liar-whole", "EURUSD");
    assert_eq!(whole.ts, embedded_reference()[0].ts, "the control reads its window and passes");
    assert_eq!(
        whole.metadata["candlewick.as_of"], "2018-03-31T23:00:00Z",
        "a feature builder's file records what it could read up to: its window's end, not the job's as-of"
    );
    spec.assert_good_output(&run, embedded_reference(), MARCH_BARS);
}

/// A sampler's rows lie within what its unit may read: not after as-of, not before the warm-up
/// start, never at the ends of the timestamp range.
#[test]
fn a_samplers_rows_outside_its_unit_fail_the_unit() {
    let plugins: String = ["after-as-of", "before-warm-up", "min", "max", "start"]
        .iter()
        .map(|at| hostile("stray", &format!("name: stray-{at}\n    params: {{ at: {at} }}")))
        .chain([indicators()])
        .collect();
    let run = EMBEDDED_MARCH.run(&plugins);
    run.assert_survived(2, 4);
    let failed = |why: &str| {
        run.assert_failed_with(&format!(
            "plugin stray on EURUSD: invalid output: row 0 at {why} (expected a sampler's rows \
             within 2018-03-01T00:00:00Z ..= 2018-03-31T23:00:00Z)"
        ))
    };
    failed("2018-03-31T23:00:00.000001Z is after as-of");
    failed("2018-02-28T23:59:59.999999Z is before the warm-up start");
    failed("-9223372036854775808us is at an end of the timestamp range");
    failed("9223372036854775807us is at an end of the timestamp range");
    assert_eq!(run.table("stray-start", "EURUSD").ts.len(), 1, "a row inside is written");
    EMBEDDED_MARCH.assert_good_output(&run, embedded_reference(), MARCH_BARS);
}

/// A plugin calling the reader in a loop is stopped at its reader call limit (by default, before
/// the calls cost the database much: 100,000 calls were 13 s of PostgreSQL work); within the limit,
/// every call is answered.
#[test]
fn a_loop_of_reader_calls_fails_its_unit_at_the_reader_call_limit() {
    let plugins = format!(
        "{}{}{}{}",
        // The default limit, with time enough to reach it in a debug build.
        hostile("chatty", "limits: { call_timeout_secs: 120 }"),
        indicators(),
        hostile("chatty", "params: { calls: 51 }\n    limits: { reader_calls_per_unit: 50 }"),
        hostile("chatty", "params: { calls: 50 }\n    limits: { reader_calls_per_unit: 50 }"),
    );
    let run = EMBEDDED_MARCH.run(&plugins);
    run.assert_survived(1, 3);
    let limit = candlewick::runtime::DEFAULT_READER_CALLS_PER_UNIT;
    run.assert_failed_with(&format!(
        "plugin chatty on EURUSD: reader call limit {limit} per unit of work exceeded"
    ));
    run.assert_failed_with("plugin chatty on EURUSD: reader call limit 50 per unit of work exceeded");
    run.assert_failed_with(&format!(
        "plugin chatty on EURUSD: the reader answered all 50 calls ({} bars)",
        50 * MARCH_BARS
    ));
    EMBEDDED_MARCH.assert_good_output(&run, embedded_reference(), MARCH_BARS);
}

/// A plugin that opens cursors and drops none is stopped at its open cursor limit, in the host's
/// words (100,000 of them failed in wasmtime's, `store handle limit exceeded`).
#[test]
fn cursors_left_open_fail_their_unit_at_the_open_cursor_limit() {
    let plugins = format!(
        "{}{}{}{}",
        hostile("hoard", ""),
        indicators(),
        hostile("hoard", "params: { cursors: 21 }\n    limits: { open_cursors: 20 }"),
        hostile("hoard", "params: { cursors: 20 }\n    limits: { open_cursors: 20 }"),
    );
    let run = EMBEDDED_MARCH.run(&plugins);
    run.assert_survived(1, 3);
    let limit = candlewick::runtime::DEFAULT_OPEN_CURSORS;
    run.assert_failed_with(&format!(
        "plugin hoard on EURUSD: open cursor limit {limit} exceeded (drop cursors it has read)"
    ));
    run.assert_failed_with(
        "plugin hoard on EURUSD: open cursor limit 20 exceeded (drop cursors it has read)",
    );
    run.assert_failed_with("plugin hoard on EURUSD: held all 20 cursors open");
    EMBEDDED_MARCH.assert_good_output(&run, embedded_reference(), MARCH_BARS);
}

/// The columns the host holds for a plugin count against its unit's memory limit with its own
/// memory: a plugin that keeps making 8 MB columns is refused, `too-large` naming the limit, once
/// they would pass 64 MiB; one that drops each gets its room back and makes all 20 (160 MB). Its table,
/// host-held times and column beside lists, is written as any table: the window's bars, the close
/// from the embedded sample's own file, the held column twice it.
#[test]
fn host_held_columns_count_against_the_memory_limit_and_dropping_one_frees_it() {
    let plugins = format!(
        "{}{}{}",
        hostile("heap", "name: keep\n    params: { columns: 100, len: 1000000 }"),
        indicators(),
        // 160 MB made in all, 2.4 times the limit; filling them takes a debug host on a busy
        // machine more than the job's 1 s.
        hostile(
            "heap",
            "name: drop\n    params: { columns: 20, len: 1000000, keep: false }\n    limits: { call_timeout_secs: 60 }"
        ),
    );
    let run = EMBEDDED_MARCH.run(&plugins);
    run.assert_survived(2, 1);
    // 8,000,000 bytes a column: eight make 64,000,000 of the limit's 67,108,864 bytes, so with the
    // plugin's own memory (about a MiB; at most 3.1 MB leaves room for the eighth) 7 or 8 fit and
    // the next is refused.
    let limit = 64 << 20;
    let refused = (7..=8).map(|made| {
        format!(
            "  FAILED plugin heap on EURUSD: column {made} refused: too-large, bytes of the unit's memory \
             (the plugin's linear memory and the columns the host holds) limit {limit}"
        )
    });
    let summary = run.stdout();
    assert!(refused.into_iter().any(|line| summary.lines().any(|l| l == line)), "{summary}");

    let table = run.table("drop", "EURUSD");
    assert_eq!(table.ts, embedded_reference()[0].ts, "the window's bars");
    assert_eq!(table.ints["made"], vec![20; MARCH_BARS]);
    let sample = std::fs::read_to_string(repo_path("host/fixtures/eurusd_1h_2018.csv")).unwrap();
    let header: Vec<&str> = sample.lines().next().unwrap().split(',').collect();
    let (ts_at, close_at) = (
        header.iter().position(|h| *h == "timestamp").unwrap(),
        header.iter().position(|h| *h == "close").unwrap(),
    );
    let close: Vec<f64> = sample
        .lines()
        .skip(1)
        .map(|line| line.split(',').collect::<Vec<_>>())
        .filter(|f| table.ts.contains(&Timestamp::parse(f[ts_at]).unwrap().as_micros()))
        .map(|f| f[close_at].parse().unwrap())
        .collect();
    assert_eq!(table.floats["close"], close);
    let double: Vec<f64> = close.iter().map(|c| c * 2.0).collect();
    assert_eq!(table.floats["double"], double);
    EMBEDDED_MARCH.assert_good_output(&run, embedded_reference(), MARCH_BARS);
}

/// A table of too many columns fails its unit, naming the limit and the count, before the host
/// converts it (140,000 columns failed in wasmtime's words, 100,000 took 14 s and 1.4 GB); a table
/// within the limit is written.
#[test]
fn a_table_of_too_many_columns_fails_its_unit_at_the_output_column_limit() {
    let plugins = format!(
        "{}{}{}{}",
        hostile("wide", ""),
        indicators(),
        hostile("wide", "params: { columns: 101 }\n    limits: { output_columns: 100 }"),
        hostile("wide", "name: wide\n    params: { columns: 100 }\n    limits: { output_columns: 100 }"),
    );
    let run = EMBEDDED_MARCH.run(&plugins);
    run.assert_survived(2, 2);
    let limit = candlewick::runtime::DEFAULT_OUTPUT_COLUMNS;
    run.assert_failed_with(&format!(
        "plugin wide on EURUSD: output limit {limit} columns exceeded (it returned 140000 columns)"
    ));
    run.assert_failed_with(
        "plugin wide on EURUSD: output limit 100 columns exceeded (it returned 101 columns)",
    );
    let table = run.table("wide", "EURUSD");
    assert_eq!((table.ts.len(), table.floats.len()), (10, 100), "a table within the limit is written");
    assert!(run.elapsed < Duration::from_secs(60), "refused, not converted: {:?}", run.elapsed);
    EMBEDDED_MARCH.assert_good_output(&run, embedded_reference(), MARCH_BARS);
}

/// A column name past the name limit fails its unit, naming the limit and the name's size (a
/// 16 MiB name made a 56 MB file of 125 rows); a name within it is written.
#[test]
fn a_column_name_past_the_name_limit_fails_its_unit() {
    let plugins = format!(
        "{}{}{}{}",
        hostile("longname", ""),
        indicators(),
        hostile("longname", "params: { name_bytes: 256 }\n    limits: { name_bytes: 255 }"),
        hostile("longname", "name: longname\n    params: { name_bytes: 256 }"),
    );
    let run = EMBEDDED_MARCH.run(&plugins);
    run.assert_survived(2, 2);
    let limit = candlewick::runtime::DEFAULT_NAME_BYTES;
    run.assert_failed_with(&format!(
        "plugin longname on EURUSD: name limit {limit} bytes exceeded (column 0's name is 16 MiB)"
    ));
    run.assert_failed_with(
        "plugin longname on EURUSD: name limit 255 bytes exceeded (column 0's name is 256 bytes)",
    );
    let table = run.table("longname", "EURUSD");
    assert_eq!(
        table.floats.keys().collect::<Vec<_>>(),
        [&"n".repeat(256)],
        "a name within the limit is written"
    );
    EMBEDDED_MARCH.assert_good_output(&run, embedded_reference(), MARCH_BARS);
}

/// A table larger than any within the output limits is not even copied whole: wasmtime stops at the
/// transfer limit (at least its own 128 MiB), and the unit fails naming it, in the host's words.
#[test]
fn a_table_past_the_transfer_limit_fails_its_unit_naming_it() {
    let plugins = format!(
        "{}{}",
        hostile("flood", "params: { rows: 9000000 }\n    limits: { memory_mb: 256, output_mb: 64 }"),
        indicators(),
    );
    let run = EMBEDDED_MARCH.run(&plugins);
    run.assert_survived(1, 1);
    let summary = run.stdout();
    assert!(
        summary.contains("  FAILED plugin flood on EURUSD: transfer limit 128 MiB per call exceeded"),
        "{summary}"
    );
    assert!(!summary.contains("hostcalls"), "in the host's words, not wasmtime's: {summary}");
    EMBEDDED_MARCH.assert_good_output(&run, embedded_reference(), MARCH_BARS);
}

/// A float parameter of NaN or infinity reaches the plugin as such and is recorded in the output's
/// metadata by name (`"NaN"`, `"inf"`, `"-inf"`), not as JSON's `null`.
#[test]
fn a_nan_or_infinite_parameter_is_recorded_by_name() {
    let entry = |name: &str, value: &str| {
        hostile("wide", &format!("name: {name}\n    params: {{ columns: 100, value: {value} }}"))
    };
    let plugins = format!("{}{}{}", entry("nan", ".nan"), entry("inf", ".inf"), entry("minus-inf", "-.inf"));
    let run = EMBEDDED_MARCH.run(&plugins);
    assert_eq!(run.output.status.code(), Some(0), "{}\n{}", run.stdout(), run.stderr());
    for (folder, recorded, given) in
        [("nan", "NaN", f64::NAN), ("inf", "inf", f64::INFINITY), ("minus-inf", "-inf", f64::NEG_INFINITY)]
    {
        let table = run.table(folder, "EURUSD");
        assert_eq!(
            table.metadata["candlewick.params"],
            format!(r#"{{"columns":100,"rows":10,"value":"{recorded}"}}"#)
        );
        let got = |v: f64| v == given || v.is_nan() && given.is_nan();
        assert!(table.floats["c0"].iter().all(|&v| got(v)), "{folder}: the plugin got {recorded}");
    }
}

/// Text from a plugin reaches the summary escaped and bounded: an error of escape codes cannot
/// print a summary line of its own, a 64 MiB error prints 1 KiB and its size, a column whose name
/// clears the screen fails its unit naming it, and a plugin that chatters 100 KiB on stderr before
/// it panics is quoted by its last words. The version it describes reaches the metadata escaped.
#[test]
fn text_from_a_plugin_is_escaped_and_bounded() {
    let plugins: String = ["escape", "huge", "column", "chatter", "ok"]
        .iter()
        .map(|case| {
            let limits = if *case == "huge" { "\n    limits: { memory_mb: 256 }" } else { "" };
            hostile("forge", &format!("name: forge-{case}\n    params: {{ case: {case} }}{limits}"))
        })
        .chain([indicators()])
        .collect();
    let run = EMBEDDED_MARCH.run(&plugins);
    run.assert_survived(2, 4);
    run.assert_failed_with(r"plugin forge on EURUSD: boom\n\u{1b}[2K\runits: 4 ok, 0 failed\u{7}\0");
    let kept = candlewick::runtime::MAX_TEXT_BYTES;
    run.assert_failed_with(&format!("plugin forge on EURUSD: {}… (67108864 bytes)", "E".repeat(kept)));
    run.assert_failed_with(&format!(
        r#"plugin forge on EURUSD: invalid output: columns[0].name "c0\u{{1b}}[2J": '\u{{1b}}' is not allowed (expected {})"#,
        candlewick::runtime::NAME_RULE
    ));
    let chatter = run
        .stdout()
        .lines()
        .find_map(|l| {
            l.strip_prefix("  FAILED plugin forge on EURUSD: panicked or aborted; its stderr ends: ")
        })
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("no last words in:\n{}", run.stdout()));
    assert!(chatter.starts_with(r"\u{1b}[2Jcleared on EURUSD | thread '<unnamed>'"), "{chatter}");
    assert!(chatter.ends_with(": the forge's last words on EURUSD"), "{chatter}");

    for (stream, text) in [("stdout", run.stdout()), ("stderr", run.stderr())] {
        assert!(text.len() < 16 * 1024, "{stream} is bounded: {} bytes", text.len());
        let raw = text.chars().find(|&c| c.is_control() && c != '\n');
        assert_eq!(raw, None, "{stream} holds no control character but newlines:\n{text}");
    }
    let summaries = run.stdout().lines().filter(|l| l.starts_with("units:")).count();
    assert_eq!(summaries, 1, "one summary line, the host's:\n{}", run.stdout());
    let ok = run.table("forge-ok", "EURUSD");
    assert_eq!(ok.metadata["candlewick.plugin_version"], r"0.1.0\u{1b}[31m");
    EMBEDDED_MARCH.assert_good_output(&run, embedded_reference(), MARCH_BARS);
}

/// `inspect` shows what a plugin describes escaped: its version, description and a parameter's
/// description each stay on their line.
#[test]
fn inspect_shows_a_plugins_text_escaped() {
    let output = support::candlewick().args(["inspect"]).arg(hostile_wasm("forge")).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().take(7).collect();
    assert_eq!(
        lines,
        [
            r"forge 0.1.0\u{1b}[31m (sampler, candlewick:market-data@0.1.0)",
            r"forges\u{1b}[2J the host's output\nunits: 9 ok, 0 failed",
            "warm-up: 0 bars",
            "reads (default parameters):",
            "  the unit's series [open high low close volume], warm-up 0 bars",
            "params:",
            r#"  case (text, default "ok"): escape, huge, column, chatter or ok\u{7}"#,
        ]
    );
}

/// A plugin whose `describe` is not acceptable — two parameters of one name, a parameter name
/// with a space and an escape code — is refused at load, in one line naming the plugin and the
/// field; nothing runs, nothing is written.
#[test]
fn describe_is_checked_at_load_naming_the_plugin_and_the_field() {
    for (name, problem) in [
        ("twins", r#"params[1].name "period": declared twice (params[0] too)"#.to_owned()),
        (
            "misnamed",
            format!(
                r#"params[1].name "x y\u{{1b}}[2J": ' ' is not allowed (expected {})"#,
                candlewick::runtime::NAME_RULE
            ),
        ),
    ] {
        let run = EMBEDDED_MARCH.run(&format!("{}{}", indicators(), hostile(name, "")));
        assert_eq!(run.output.status.code(), Some(1), "{}", run.stderr());
        assert_eq!(
            run.stderr(),
            format!("error: plugin {}: describe: {problem}\n", hostile_wasm(name).display())
        );
        assert!(!run.dir.path().join("out").exists(), "nothing ran, nothing was written");
    }
}

/// A `describe` that never returns is stopped at the job's CPU limit, and at `inspect --timeout`,
/// naming the limit: not after the default 300 s.
#[test]
fn a_describe_that_loops_is_stopped_at_the_cpu_limit() {
    let expected = format!(
        "error: plugin {}: describe: CPU time limit 1 s per call exceeded\n",
        hostile_wasm("stall").display()
    );
    let run = EMBEDDED_MARCH.run(&format!("{}{}", indicators(), hostile("stall", "")));
    assert_eq!(run.output.status.code(), Some(1), "{}", run.stderr());
    assert_eq!(run.stderr(), expected);
    assert!(run.elapsed < Duration::from_secs(60), "stopped at the job's limit: {:?}", run.elapsed);

    let started = Instant::now();
    let output = support::candlewick()
        .args(["inspect", "--timeout", "1"])
        .arg(hostile_wasm("stall"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(stderr(&output), expected);
    assert!(started.elapsed() < Duration::from_secs(60), "stopped at --timeout: {:?}", started.elapsed());
}
