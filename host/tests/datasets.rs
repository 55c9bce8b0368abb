//! The output as datasets: each plugin's output read back as one table by pandas, polars,
//! pyarrow and DuckDB (`readers/read_datasets.py`, in the venv scripts/test makes), equal to the
//! plugin's own output from the fixture host; the joined feature table; the manifest as the list
//! of current files, stale files and `--prune`; the output checks made before any unit runs.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::{plugin_wasm, repo_path, run, stderr, stdout};
use tempfile::TempDir;

/// Symbols that need their folder names encoded: a `/` and a `=` (Yahoo's futures).
const SYMBOLS: [&str; 3] = ["BTC/USDT", "ES=F", "EURUSD"];

/// March and April 2018 of the embedded sample, once per symbol, prices scaled per symbol so
/// that every row differs.
fn fixture(dir: &Path) -> PathBuf {
    let sample = std::fs::read_to_string(repo_path("host/fixtures/eurusd_1h_2018.csv")).unwrap();
    let mut text = String::from("symbol,timeframe,timestamp,open,high,low,close,volume\n");
    for (k, symbol) in SYMBOLS.iter().enumerate() {
        let scale = [30_000.0, 2_700.0, 1.0][k];
        for line in sample.lines().skip(1).filter(|l| l.starts_with("2018-03") || l.starts_with("2018-04")) {
            let f: Vec<&str> = line.split(',').collect();
            let price = |i: usize| f[i].parse::<f64>().unwrap() * scale;
            text.push_str(&format!(
                "{symbol},1h,{},{},{},{},{},{}\n",
                f[0],
                price(1),
                price(2),
                price(3),
                price(4),
                (k + 1) * 100
            ));
        }
    }
    let path = dir.join("bars.csv");
    std::fs::write(&path, text).unwrap();
    path
}

const START: &str = "2018-03-01T00:00:00Z";
const END: &str = "2018-04-30T23:00:00Z";

fn write_job(dir: &Path, fixture: &Path, extra: &str) -> PathBuf {
    let text = format!(
        "fixture: {}\nsymbols: [\"{}\"]\ntimeframe: 1h\nstart: {START}\nend: {END}\noutput: out\ncache_dir: {}\n{extra}\n\
         plugins:\n  - path: {ind}\n    name: sma10\n    params: {{ sma_period: 10 }}\n  \
         - path: {ind}\n    name: sma20\n    params: {{ sma_period: 20 }}\n  \
         - path: {events}\n    params: {{ cusum_threshold: 0.002 }}\n",
        fixture.display(),
        SYMBOLS.join("\", \""),
        repo_path("target/test-cache/candlewick").display(),
        ind = plugin_wasm("indicators").display(),
        events = plugin_wasm("events").display(),
    );
    let path = dir.join("job.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The plugin's own output for each symbol from the fixture host (`candlewick test --csv`), as one
/// CSV with a `symbol` column first.
fn plugin_output(fixture: &Path, plugin: &str, params: &[&str]) -> Vec<(String, Vec<String>)> {
    let mut rows = Vec::new();
    for symbol in SYMBOLS {
        let mut args = vec![
            "test".to_owned(),
            plugin_wasm(plugin).display().to_string(),
            "--fixture".into(),
            fixture.display().to_string(),
            "--symbol".into(),
            symbol.into(),
            "--start".into(),
            START.into(),
            "--end".into(),
            END.into(),
            "--csv".into(),
        ];
        for p in params {
            args.extend(["--params".to_owned(), (*p).to_owned()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = run(&args);
        assert!(output.status.success(), "{}", stderr(&output));
        let text = stdout(&output);
        let mut lines = text.lines();
        let header = lines.next().unwrap().to_owned();
        if rows.is_empty() {
            rows.push(("symbol".to_owned(), header.split(',').map(str::to_owned).collect()));
        }
        for line in lines {
            rows.push((format!("\"{symbol}\""), line.split(',').map(str::to_owned).collect()));
        }
    }
    rows
}

fn write_csv(path: &Path, rows: &[(String, Vec<String>)]) {
    let text: String = rows.iter().map(|(symbol, cells)| format!("{symbol},{}\n", cells.join(","))).collect();
    std::fs::write(path, text).unwrap();
}

/// The readers' Python, installed by scripts/test (`scripts/lib/readers.sh`).
fn readers_python() -> PathBuf {
    let python = repo_path("target/toolchains/readers/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/test, or scripts/lib/readers.sh, which installs pandas, polars, pyarrow \
         and DuckDB from host/tests/readers/requirements.txt",
        python.display()
    );
    python
}

#[test]
fn every_dataset_reads_back_as_one_table_through_pandas_polars_pyarrow_and_duckdb() {
    let dir = TempDir::new().unwrap();
    let fixture = fixture(dir.path());
    let job = write_job(dir.path(), &fixture, "joined: features");
    let output = run(&["run", job.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}{}", stdout(&output), stderr(&output));
    let out = dir.path().join("out");

    // What each reader must see: the plugins' own outputs, from the fixture host.
    let expected = dir.path().join("expected");
    std::fs::create_dir(&expected).unwrap();
    let sma10 = plugin_output(&fixture, "indicators", &["sma_period=10"]);
    let sma20 = plugin_output(&fixture, "indicators", &["sma_period=20"]);
    write_csv(&expected.join("sma10.csv"), &sma10);
    write_csv(&expected.join("sma20.csv"), &sma20);
    write_csv(&expected.join("events.csv"), &plugin_output(&fixture, "events", &["cusum_threshold=0.002"]));
    // The joined table: both feature builders side by side; every column collides, so each is
    // prefixed by its entry's name.
    let joined: Vec<(String, Vec<String>)> = sma10
        .iter()
        .zip(&sma20)
        .enumerate()
        .map(|(i, ((symbol, a), (other, b)))| {
            assert_eq!((symbol, &a[0]), (other, &b[0]), "the same rows");
            let cells = a[1..]
                .iter()
                .zip(std::iter::repeat("sma10"))
                .chain(b[1..].iter().zip(std::iter::repeat("sma20")));
            let cells = cells.map(|(c, name)| if i == 0 { format!("{name}_{c}") } else { c.clone() });
            (symbol.clone(), std::iter::once(a[0].clone()).chain(cells).collect())
        })
        .collect();
    write_csv(&expected.join("features.csv"), &joined);

    let check = Command::new(readers_python())
        .arg(repo_path("host/tests/readers/read_datasets.py"))
        .args([&out, &expected])
        .output()
        .expect("the readers' Python runs");
    let report = format!("{}{}", stdout(&check), stderr(&check));
    assert!(check.status.success(), "{report}");
    println!("{report}");
    assert!(report.contains("readers: 4 datasets, 0 failures"), "{report}");
    for reader in ["pandas", "polars", "pyarrow", "duckdb"] {
        assert_eq!(report.matches(&format!(" via {reader}: ")).count(), 4, "{report}");
    }

    // The same job in two shards, one after the other: the readers follow both shards' manifests
    // and see the same tables.
    let sharded = dir.path().join("sharded");
    for shard in ["0/2", "1/2"] {
        let output = run(&[
            "run",
            job.to_str().unwrap(),
            "--shard",
            shard,
            "--output",
            sharded.to_str().unwrap(),
            "-q",
        ]);
        assert_eq!(output.status.code(), Some(0), "{}{}", stdout(&output), stderr(&output));
    }
    assert!(!sharded.join("manifest.json").exists(), "a shard writes its own manifest only");
    let check = Command::new(readers_python())
        .arg(repo_path("host/tests/readers/read_datasets.py"))
        .args([&sharded, &expected])
        .output()
        .expect("the readers' Python runs");
    let report = format!("{}{}", stdout(&check), stderr(&check));
    assert!(check.status.success(), "{report}");
    assert!(report.contains("ok      2 shard manifests merged"), "{report}");
    assert!(report.contains("readers: 4 datasets, 0 failures"), "{report}");
}

/// The manifest says what the run was and lists every current file with its checksum; a later
/// run with fewer symbols and other parameters leaves stale files, which the summary reports and
/// `--prune` removes.
#[test]
fn the_manifest_lists_the_current_files_and_prune_removes_the_rest() {
    let dir = TempDir::new().unwrap();
    let fixture = fixture(dir.path());
    let job = write_job(dir.path(), &fixture, "");
    let output = run(&["run", job.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let out = dir.path().join("out");
    let manifest = support::manifest(&out);
    assert_eq!(manifest["manifest_version"], 1);
    assert_eq!(manifest["status"], "complete");
    assert_eq!(manifest["host_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(manifest["job"]["path"], job.to_str().unwrap());
    let job_sha = format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest(std::fs::read(&job).unwrap()));
    assert_eq!(manifest["job"]["sha256"], job_sha);
    assert_eq!(
        (manifest["window"]["start"].as_str(), manifest["window"]["end"].as_str()),
        (Some(START), Some(END))
    );
    assert_eq!(manifest["as_of"], END);
    assert_eq!(manifest["timeframe"], "1h");
    assert_eq!(manifest["source"], format!("fixture {}", fixture.display()));
    assert!(manifest["ended"].is_string() && manifest["started"].is_string());
    let sma10 = &manifest["datasets"]["sma10"];
    assert_eq!(sma10["kind"], "feature-builder");
    assert_eq!(sma10["identity"]["params"]["sma_period"], 10);
    assert_eq!(sma10["identity"]["plugin_sha256"].as_str().unwrap().len(), 64);
    let folder = sma10["path"].as_str().unwrap();
    assert!(folder.starts_with("sma10-") && folder.len() == "sma10-".len() + 8, "{folder}");
    assert_ne!(
        folder,
        manifest["datasets"]["sma20"]["path"].as_str().unwrap(),
        "other parameters, another dataset"
    );
    let units = manifest["units"].as_array().unwrap();
    assert_eq!(units.len(), 9, "3 plugins x 3 symbols");
    for unit in units {
        assert_eq!(unit["status"], "ok", "{unit}");
        let file = out.join(unit["file"].as_str().unwrap());
        let sha = format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest(std::fs::read(&file).unwrap()));
        assert_eq!(unit["sha256"], sha, "the checksum of {}", file.display());
        assert!(unit["rows_in"].as_u64().unwrap() > 0 && unit["seconds"].as_f64().is_some());
    }
    assert_eq!(units[0]["file"], format!("{folder}/symbol=BTC%2FUSDT/data.parquet"));
    assert_eq!(units[1]["file"], format!("{folder}/symbol=ES%3DF/data.parquet"));
    assert!(!stdout(&output).contains("stale"), "{}", stdout(&output));

    // Fewer symbols, other parameters for sma20: the files of BTC/USDT and of the old sma20
    // dataset are not the run's.
    let text = std::fs::read_to_string(&job).unwrap().replace("sma_period: 20", "sma_period: 21");
    std::fs::write(&job, text).unwrap();
    let output = run(&["run", job.to_str().unwrap(), "--symbols", "ES=F,EURUSD"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let summary = stdout(&output);
    let old20 = manifest["datasets"]["sma20"]["path"].as_str().unwrap();
    assert!(
        summary.contains("stale: 5 files of earlier runs not listed by the manifest (--prune removes them):"),
        "{summary}"
    );
    for stale in [
        format!("  {folder}/symbol=BTC%2FUSDT/data.parquet\n"),
        format!("  {old20}/symbol=BTC%2FUSDT/data.parquet\n"),
        format!("  {old20}/symbol=EURUSD/data.parquet\n"),
    ] {
        assert!(summary.contains(&stale), "{stale} in {summary}");
    }
    assert!(out.join(old20).exists(), "reported, not removed");
    let output = run(&["run", job.to_str().unwrap(), "--symbols", "ES=F,EURUSD", "--prune"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("stale: 5 files of earlier runs removed (--prune):"),
        "{}",
        stdout(&output)
    );
    assert!(!out.join(old20).exists(), "the old dataset's folder went with its files");
    let listed: std::collections::BTreeSet<String> = support::manifest(&out)["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["file"].as_str().unwrap().to_owned())
        .collect();
    let mut on_disk = std::collections::BTreeSet::new();
    for dataset in std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()) {
        for partition in std::fs::read_dir(&dataset).unwrap() {
            for file in std::fs::read_dir(partition.unwrap().path()).unwrap() {
                let path = file.unwrap().path();
                on_disk.insert(path.strip_prefix(&out).unwrap().to_str().unwrap().to_owned());
            }
        }
    }
    assert_eq!(on_disk, listed, "after --prune the output holds exactly the manifest's files");
}

/// Output paths that cannot be used fail before any unit runs, in one line naming the path, and
/// change nothing: a file, a folder that cannot be written, another job's output.
#[test]
fn unusable_outputs_fail_before_any_unit_runs_and_nothing_is_overwritten() {
    let dir = TempDir::new().unwrap();
    let fixture = fixture(dir.path());
    let job = write_job(dir.path(), &fixture, "");
    let one_line = |output: &std::process::Output| {
        assert_eq!(output.status.code(), Some(1), "{}", stderr(output));
        assert_eq!(stdout(output), "", "no unit ran");
        let err = stderr(output);
        assert_eq!(err.lines().count(), 1, "{err}");
        err
    };

    let file = dir.path().join("a-file");
    std::fs::write(&file, "precious").unwrap();
    let err = one_line(&run(&["run", job.to_str().unwrap(), "--output", file.to_str().unwrap()]));
    assert_eq!(
        err,
        format!(
            "error: output {}: is a file (expected a folder, or a path where one can be made)\n",
            file.display()
        )
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "precious");

    // /proc refuses new folders, whoever asks (root included).
    let err = one_line(&run(&["run", job.to_str().unwrap(), "--output", "/proc/candlewick-out"]));
    assert!(err.starts_with("error: output /proc/candlewick-out: cannot make the folder: "), "{err}");

    // Another job's output: its manifest and files stay as they are.
    let out = dir.path().join("out");
    assert_eq!(run(&["run", job.to_str().unwrap()]).status.code(), Some(0));
    let before = std::fs::read(out.join("manifest.json")).unwrap();
    let other = dir.path().join("other.yaml");
    std::fs::copy(&job, &other).unwrap();
    let err = one_line(&run(&["run", other.to_str().unwrap()]));
    assert_eq!(
        err,
        format!(
            "error: output {}: its manifest is of another job, {} (expected this job's own output folder: give this \
             job another `output:` or --output, or remove the folder)\n",
            out.display(),
            job.display()
        )
    );
    assert_eq!(std::fs::read(out.join("manifest.json")).unwrap(), before);

    std::fs::write(out.join("manifest.json"), "not json").unwrap();
    let err = one_line(&run(&["run", job.to_str().unwrap()]));
    assert!(err.contains("manifest.json: not a candlewick manifest"), "{err}");
}
