//! Stopping and resuming a job: a run killed mid-way (SIGINT, SIGTERM, SIGKILL) and resumed with
//! `--resume` leaves a dataset equal, file for file and bit for bit, to an uninterrupted run's.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::{stderr, stdout};
use tempfile::TempDir;

/// Symbols of the job: enough units that a run can be stopped while most have not run.
const SYMBOLS: usize = 60;

/// The embedded sample's 2018, once per symbol (`S00` …): a year per unit, so that the run is
/// still far from done when the manifest first lists a finished unit (it is written at the first
/// unit's end, then at most once a second), however fast the machine.
fn job(dir: &Path) -> PathBuf {
    let fixture = support::symbols_fixture(dir, SYMBOLS, |_| 12);
    support::symbols_job(dir, &fixture, SYMBOLS, ("2018-01-08", "2018-12-31T21:00:00Z"), "out")
}

fn start(job: &Path, args: &[&str]) -> Child {
    support::candlewick()
        .arg("run")
        .arg(job)
        .args(args)
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("candlewick starts")
}

/// Waits until the run's manifest lists at least `units` finished units (it rewrites the manifest
/// as units finish), and says how many it listed.
fn wait_for_units(out: &Path, units: usize, child: &mut Child) -> usize {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        assert!(child.try_wait().unwrap().is_none(), "the run ended before it could be stopped");
        if let Ok(text) = std::fs::read_to_string(out.join("manifest.json"))
            && let Ok(manifest) = serde_json::from_str::<serde_json::Value>(&text)
        {
            let ok = manifest["units"].as_array().unwrap().iter().filter(|u| u["status"] == "ok").count();
            if ok >= units {
                return ok;
            }
        }
        assert!(Instant::now() < deadline, "no unit finished in time");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill").args([&format!("-{name}"), &child.id().to_string()]).status().unwrap();
    assert!(status.success(), "kill -{name}");
}

/// Every file under `out` but the manifest, by path, with its bytes.
fn dataset_files(out: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, files);
            } else if path.file_name().unwrap() != "manifest.json" {
                let name = path.strip_prefix(root).unwrap().to_str().unwrap().to_owned();
                files.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(out, out, &mut files);
    files
}

fn assert_same_dataset(resumed: &Path, reference: &BTreeMap<String, Vec<u8>>, what: &str) {
    let files = dataset_files(resumed);
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        reference.keys().collect::<Vec<_>>(),
        "{what}: the same files, and no other (no temporary file left)"
    );
    for (name, bytes) in reference {
        assert!(files[name] == *bytes, "{what}: {name} differs from the uninterrupted run's");
    }
}

/// The uninterrupted run, into `reference/`: the job file is the same, only its output differs.
fn reference_run(job: &Path, dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let reference = dir.join("reference");
    let output =
        support::run(&["run", job.to_str().unwrap(), "--output", reference.to_str().unwrap(), "--quiet"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let files = dataset_files(&reference);
    assert_eq!(files.len(), 2 * SYMBOLS, "a file per symbol, for indicators and the joined table");
    files
}

/// SIGINT: the run starts no more units, lets the running one finish, prints its summary,
/// writes its manifest as incomplete and exits 130; `--resume` skips what it finished and the
/// dataset comes out as an uninterrupted run's.
#[test]
fn a_run_stopped_by_sigint_resumes_to_the_uninterrupted_result() {
    let dir = TempDir::new().unwrap();
    let job = job(dir.path());
    let reference = reference_run(&job, dir.path());
    let out = dir.path().join("out");

    let mut child = start(&job, &[]);
    wait_for_units(&out, 1, &mut child);
    signal(&child, "INT");
    let stopped = child.wait_with_output().unwrap();
    assert_eq!(stopped.status.code(), Some(130), "{}", stderr(&stopped));
    let summary = stdout(&stopped);
    assert!(
        summary.contains("\nstopped: by SIGINT; units not run are listed (--resume runs them)\n"),
        "{summary}"
    );
    assert!(summary.contains("  NOT RUN indicators S"), "{summary}");
    let manifest = support::manifest(&out);
    assert_eq!((&manifest["status"], &manifest["stopped_by"]), (&"incomplete".into(), &"SIGINT".into()));
    assert!(manifest["ended"].is_string(), "the manifest was written at the end");
    let units = manifest["units"].as_array().unwrap();
    let done = units.iter().filter(|u| u["status"] == "ok").count();
    let not_run = units.iter().filter(|u| u["status"] == "not-run").count();
    assert!(done >= 1 && not_run >= 1 && done + not_run == units.len(), "{manifest}");
    eprintln!("SIGINT after {done} of {} units", units.len());
    for unit in units.iter().filter(|u| u["status"] == "ok") {
        let file = out.join(unit["file"].as_str().unwrap());
        assert!(file.exists(), "a finished unit's file is whole and in place: {}", file.display());
    }

    let resumed = support::run(&["run", job.to_str().unwrap(), "--resume"]);
    assert_eq!(resumed.status.code(), Some(0), "{}", stderr(&resumed));
    let summary = stdout(&resumed);
    assert!(
        summary.starts_with(&format!("units: {} ok ({done} resumed), 0 failed;", 2 * SYMBOLS)),
        "{summary}"
    );
    assert_eq!(summary.matches(", kept: resumed)\n").count(), done, "{summary}");
    assert_eq!(support::manifest(&out)["status"], "complete");
    assert_same_dataset(&out, &reference, "after SIGINT and --resume");
}

/// SIGKILL: nothing of the run can react; its manifest, rewritten as units finished, says it did
/// not finish, and `--resume` completes the dataset to the uninterrupted run's, bit for bit,
/// leaving no temporary file.
#[test]
fn a_run_killed_outright_resumes_to_the_uninterrupted_result() {
    let dir = TempDir::new().unwrap();
    let job = job(dir.path());
    let reference = reference_run(&job, dir.path());
    let out = dir.path().join("out");

    let mut child = start(&job, &[]);
    wait_for_units(&out, 1, &mut child);
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let manifest = support::manifest(&out);
    assert_eq!(manifest["status"], "incomplete", "a killed run's manifest says it did not finish");
    assert!(manifest["ended"].is_null());
    let listed = manifest["units"].as_array().unwrap().iter().filter(|u| u["status"] == "ok").count();

    let resumed = support::run(&["run", job.to_str().unwrap(), "--resume"]);
    assert_eq!(resumed.status.code(), Some(0), "{}", stderr(&resumed));
    let summary = stdout(&resumed);
    let kept = summary.matches(", kept: resumed)\n").count();
    assert!((1..2 * SYMBOLS).contains(&listed), "killed mid-way: {listed} units listed\n{manifest}");
    assert_eq!(kept, listed, "the units the manifest listed are kept\n{summary}");
    eprintln!("SIGKILL after {listed} of {} units; --resume kept them and ran the rest", 2 * SYMBOLS);
    assert_same_dataset(&out, &reference, "after SIGKILL and --resume");

    // A changed parameter is another dataset: nothing of it is resumed.
    let text = std::fs::read_to_string(&job).unwrap().replace("sma_period: 30", "sma_period: 31");
    std::fs::write(&job, text).unwrap();
    let other = support::run(&["run", job.to_str().unwrap(), "--resume"]);
    assert_eq!(other.status.code(), Some(0), "{}", stderr(&other));
    assert!(!stdout(&other).contains("resumed"), "{}", stdout(&other));
}

/// SIGTERM (a Kubernetes eviction) stops the run the same way, with exit 143.
#[test]
fn a_run_stopped_by_sigterm_exits_143_with_its_summary() {
    let dir = TempDir::new().unwrap();
    let job = job(dir.path());
    let out = dir.path().join("out");
    let mut child = start(&job, &[]);
    wait_for_units(&out, 1, &mut child);
    signal(&child, "TERM");
    let stopped = child.wait_with_output().unwrap();
    assert_eq!(stopped.status.code(), Some(143), "{}", stderr(&stopped));
    assert!(stdout(&stopped).contains("\nstopped: by SIGTERM;"), "{}", stdout(&stopped));
    assert_eq!(support::manifest(&out)["stopped_by"], "SIGTERM");
}
