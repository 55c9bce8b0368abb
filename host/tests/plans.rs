//! Contract 0.2's bad input, end to end through `candlewick run`: a plan that traps, refuses,
//! names a symbol nothing is stored for or asks a warm-up past the job's limit fails the job before
//! any unit writes, naming the plugin, the input and the expectation; a cross-section whose rows
//! are not its input bars fails its unit and writes nothing. The well-behaved cases write what the
//! fixture holds.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use support::{read_parquet, repo_path, stderr, stdout};
use tempfile::TempDir;

fn hostile_wasm(name: &str) -> PathBuf {
    let path = repo_path(&format!("target/hostile/{name}.wasm"));
    assert!(path.exists(), "{} is missing: run scripts/build-hostile", path.display());
    path
}

/// EURUSD 1h for the first week of March 2018 from the repository's sample, and GBPUSD as the
/// same bars with every price doubled: two symbols for a cross-section. Returns the closes by
/// symbol, in time order.
fn two_symbols(dir: &Path) -> (PathBuf, Vec<(i64, f64)>) {
    let sample = std::fs::read_to_string(repo_path("host/fixtures/eurusd_1h_2018.csv")).unwrap();
    let mut text = String::from("timestamp,symbol,timeframe,open,high,low,close,volume\n");
    let mut closes = Vec::new();
    for line in sample.lines().skip(1).filter(|l| l.starts_with("2018-03-0")) {
        let f: Vec<&str> = line.split(',').collect();
        let price = |i: usize| f[i].parse::<f64>().unwrap();
        text.push_str(&format!("{},EURUSD,1h,{},{},{},{},0\n", f[0], f[1], f[2], f[3], f[4]));
        text.push_str(&format!(
            "{},GBPUSD,1h,{},{},{},{},0\n",
            f[0],
            2.0 * price(1),
            2.0 * price(2),
            2.0 * price(3),
            2.0 * price(4)
        ));
        let ts = candlewick::domain::Timestamp::parse(f[0]).unwrap().as_micros();
        closes.push((ts, price(4)));
    }
    let path = dir.join("bars.csv");
    std::fs::write(&path, text).unwrap();
    (path, closes)
}

/// Runs `plugin` with `case` as a job over both symbols; the folder holds the output.
fn run(plugin: &str, case: &str) -> (TempDir, Output, Vec<(i64, f64)>) {
    run_with(&format!("  - path: {}\n    params: {{ case: {case} }}\n", hostile_wasm(plugin).display()), "")
}

/// Runs a job over both symbols with `plugins` (entries) and `extra` top-level keys.
fn run_with(plugins: &str, extra: &str) -> (TempDir, Output, Vec<(i64, f64)>) {
    let dir = tempfile::tempdir().unwrap();
    let (fixture, closes) = two_symbols(dir.path());
    let job = dir.path().join("job.yaml");
    std::fs::write(
        &job,
        format!(
            "fixture: {}\nsymbols: [EURUSD, GBPUSD]\ntimeframe: 1h\nstart: 2018-03-01\nend: 2018-03-09T23:00:00Z\n\
             output: out\ncache_dir: {}\n{extra}plugins:\n{plugins}",
            fixture.display(),
            dir.path().join("cache").display(),
        ),
    )
    .unwrap();
    let output = support::candlewick().arg("run").arg(&job).output().unwrap();
    (dir, output, closes)
}

/// Every Parquet file under `dir`, sorted.
fn parquet_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(parquet_files(&path));
        } else if path.extension().is_some_and(|e| e == "parquet") {
            found.push(path);
        }
    }
    found.sort();
    found
}

/// The job failed before any unit ran: exit 1, one line of error naming the entry and the
/// plugin, nothing written.
fn assert_refused(dir: &TempDir, output: &Output, expected: &str) {
    assert_eq!(output.status.code(), Some(1), "{}{}", stdout(output), stderr(output));
    let message = stderr(output);
    assert!(message.contains("plugins[0] ("), "{message}");
    assert!(message.contains("planner.wasm): plugin planner: "), "{message}");
    assert!(message.contains(expected), "expected {expected:?} in: {message}");
    assert!(parquet_files(&dir.path().join("out")).is_empty(), "nothing written");
}

#[test]
fn a_plan_that_traps_fails_the_job_before_any_unit() {
    let (dir, output, _) = run("planner", "trap");
    assert_refused(&dir, &output, "plan: panicked or aborted; its stderr ends: ");
    assert!(stderr(&output).contains("the plan gave up"), "{}", stderr(&output));
}

#[test]
fn a_plan_that_refuses_its_parameters_says_why() {
    let (dir, output, _) = run("planner", "refuse");
    assert_refused(&dir, &output, "plan: invalid parameters: case \"refuse\" refuses every plan");
}

#[test]
fn a_plan_that_names_a_symbol_not_stored_is_refused_naming_the_input() {
    let (dir, output, _) = run("planner", "unknown");
    assert_refused(
        &dir,
        &output,
        "plan input [1] (NOSUCH 1d [close], warm-up 0 bars): no NOSUCH 1d bars to read (no bars of NOSUCH are \
         stored)",
    );
}

#[test]
fn a_warm_up_past_the_jobs_limit_is_refused_naming_the_limit() {
    let (dir, output, _) = run("planner", "greedy");
    assert_refused(
        &dir,
        &output,
        "plan input [0] (the unit's series [close], warm-up 4294967295 bars): a warm-up of 4294967295 bars is \
         above the job's limit of 100000",
    );
}

#[test]
fn a_good_plan_runs_every_symbol() {
    let (dir, output, closes) = run("planner", "ok");
    assert_eq!(output.status.code(), Some(0), "{}{}", stdout(&output), stderr(&output));
    let files = parquet_files(&dir.path().join("out"));
    assert_eq!(files.len(), 2, "{files:?}");
    let eurusd = files.iter().find(|f| f.to_string_lossy().contains("EURUSD")).unwrap();
    let table = read_parquet(eurusd);
    assert_eq!(table.ts, closes.iter().map(|c| c.0).collect::<Vec<_>>());
    assert_eq!(table.floats["close"], closes.iter().map(|c| c.1).collect::<Vec<_>>());
    assert!(
        table.metadata["candlewick.inputs"].starts_with("EURUSD 1h [close] from "),
        "{:?}",
        table.metadata
    );
}

/// A cross-section runs once over both symbols and writes each symbol's rows as its file.
#[test]
fn a_cross_section_writes_each_symbols_rows() {
    let (dir, output, closes) = run("xliar", "ok");
    assert_eq!(output.status.code(), Some(0), "{}{}", stdout(&output), stderr(&output));
    let files = parquet_files(&dir.path().join("out"));
    assert_eq!(files.len(), 2, "{files:?}");
    let gbpusd = files.iter().find(|f| f.to_string_lossy().contains("GBPUSD")).unwrap();
    let table = read_parquet(gbpusd);
    assert_eq!(table.ts, closes.iter().map(|c| c.0).collect::<Vec<_>>());
    assert_eq!(table.floats["close"], closes.iter().map(|c| 2.0 * c.1).collect::<Vec<_>>());
}

#[test]
fn a_cross_section_whose_rows_are_not_its_input_bars_fails_and_writes_nothing() {
    for (case, expected) in [
        ("extra", "invalid output: symbol EURUSD: "),
        ("unsorted", "invalid output: rows not strictly ascending by time, then symbol, at row "),
        ("index", "invalid output: row 0 names symbol index 2 (expected below 2, the unit's symbol count)"),
    ] {
        let (dir, output, _) = run("xliar", case);
        assert_eq!(output.status.code(), Some(2), "{case}: {}{}", stdout(&output), stderr(&output));
        let text = format!("{}{}", stdout(&output), stderr(&output));
        assert!(
            text.contains("plugin xliar on the cross-section of 2 symbols from 2018-03-01T00:00:00Z"),
            "{case}: {text}"
        );
        assert!(text.contains(expected), "{case}: expected {expected:?} in {text}");
        assert!(parquet_files(&dir.path().join("out")).is_empty(), "{case}: nothing written");
    }
}

/// The joined table takes a cross-section's columns beside a feature builder's, row for row.
#[test]
fn a_cross_section_joins_the_training_matrix() {
    let entries = format!(
        "  - path: {}\n    params: {{ case: ok }}\n  - path: {}\n    params: {{ case: ok }}\n",
        hostile_wasm("xliar").display(),
        hostile_wasm("planner").display()
    );
    let (dir, output, closes) = run_with(&entries, "joined: features\n");
    assert_eq!(output.status.code(), Some(0), "{}{}", stdout(&output), stderr(&output));
    let joined = parquet_files(&dir.path().join("out"))
        .into_iter()
        .find(|f| f.to_string_lossy().contains("features-") && f.to_string_lossy().contains("GBPUSD"))
        .expect("the joined table of GBPUSD");
    let table = read_parquet(&joined);
    assert_eq!(table.ts, closes.iter().map(|c| c.0).collect::<Vec<_>>());
    let doubled: Vec<f64> = closes.iter().map(|c| 2.0 * c.1).collect();
    assert_eq!(table.floats["xliar_close"], doubled, "the cross-section's column");
    assert_eq!(table.floats["planner_close"], doubled, "the feature builder's column");
}
