//! A job split into shards, as a Kubernetes Indexed Job runs it: N processes at once, each told
//! its index by `JOB_COMPLETION_INDEX` and `JOB_COMPLETIONS`, one of them killed outright (a lost
//! pod) and run again with `--resume`; the union of the shards' files equals a single process's
//! output bit for bit, and their manifests list the same units. `candlewick status` says which
//! shard is done or lost; bad shards fail before any unit runs; an unreachable database exits 75.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use support::{plugin_wasm, repo_path, run, stderr, stdout};
use tempfile::TempDir;

const SHARDS: u32 = 3;
const SYMBOLS: usize = 36;
const START: &str = "2018-01-08T00:00:00Z";
const END: &str = "2018-12-31T21:00:00Z";

/// The embedded sample's 2018, per symbol `S00` … cut to 3, 6, 9 or 12 months (`S00` 3, `S01`
/// 6, …), so that symbols differ in work and a split by symbol count alone would be lopsided.
/// Returns the fixture and each symbol's estimated bars in the job's window, worked out here from
/// the file: the hours from its first to its last bar in the window, plus one.
fn fixture(dir: &Path) -> (PathBuf, BTreeMap<String, u64>) {
    let path = support::symbols_fixture(dir, SYMBOLS, |s| (s % 4 + 1) * 3);
    let (start, end) = (instant(START), instant(END));
    let mut span: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for line in std::fs::read_to_string(&path).unwrap().lines().skip(1) {
        let mut fields = line.split(',');
        let (symbol, ts) = (fields.next().unwrap(), instant(fields.nth(1).unwrap()));
        let (first, last) = span.entry(symbol.to_owned()).or_insert((i64::MAX, i64::MIN));
        if start <= ts && ts <= end {
            (*first, *last) = ((*first).min(ts), (*last).max(ts));
        }
    }
    let bars = span.into_iter().map(|(symbol, (first, last))| (symbol, ((last - first) / 3600 + 1) as u64));
    (path, bars.collect())
}

/// A timestamp of the sample (`2018-01-01 00:00:00` or RFC 3339) as seconds since the epoch.
fn instant(text: &str) -> i64 {
    let text = text.trim_end_matches('Z').replace('T', " ");
    chrono::NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M:%S")
        .unwrap_or_else(|err| panic!("{text}: {err}"))
        .and_utc()
        .timestamp()
}

fn job(dir: &Path, fixture: &Path) -> PathBuf {
    support::symbols_job(dir, fixture, SYMBOLS, (START, END), "out")
}

/// Shard `index` of [`SHARDS`], chosen by the variables a Kubernetes Indexed Job sets.
fn start_shard(job: &Path, index: u32) -> Child {
    support::candlewick()
        .args(["run", job.to_str().unwrap(), "-q"])
        .env_remove("DATABASE_URL")
        .env("JOB_COMPLETION_INDEX", index.to_string())
        .env("JOB_COMPLETIONS", SHARDS.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("candlewick starts")
}

fn read_json(path: &Path) -> Option<serde_json::Value> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

/// Waits until shard `index`'s manifest lists a finished unit, the shard still running.
fn wait_for_a_unit(out: &Path, index: u32, child: &mut Child) {
    let path = out.join(format!("manifest-shard-{index}-of-{SHARDS}.json"));
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        assert!(child.try_wait().unwrap().is_none(), "shard {index} ended before it could be killed");
        if let Some(manifest) = read_json(&path)
            && manifest["units"].as_array().unwrap().iter().any(|u| u["status"] == "ok")
        {
            return;
        }
        assert!(Instant::now() < deadline, "shard {index} finished no unit in time");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Every data file under `out` (not the manifests), by path, with its bytes.
fn data_files(out: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, files);
            } else if !path.file_name().unwrap().to_str().unwrap().starts_with("manifest") {
                let name = path.strip_prefix(root).unwrap().to_str().unwrap().to_owned();
                files.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(out, out, &mut files);
    files
}

/// A manifest's units by (dataset, symbol), without what differs between runs: times and whether
/// the unit was kept by `--resume`.
fn units(manifest: &serde_json::Value) -> BTreeMap<(String, String), serde_json::Value> {
    manifest["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            let mut u = u.clone();
            let record = u.as_object_mut().unwrap();
            record.remove("seconds");
            record.remove("resumed");
            let key = (
                record["dataset"].as_str().unwrap().to_owned(),
                record["symbol"].as_str().unwrap().to_owned(),
            );
            (key, u)
        })
        .collect()
}

fn status(out: &Path) -> (Option<i32>, String) {
    let output = run(&["status", out.to_str().unwrap()]);
    (output.status.code(), format!("{}{}", stdout(&output), stderr(&output)))
}

#[test]
fn shards_run_at_once_one_killed_and_rerun_add_up_to_a_single_run() {
    let dir = TempDir::new().unwrap();
    let (fixture, bars) = fixture(dir.path());
    let job = job(dir.path(), &fixture);

    let reference = dir.path().join("reference");
    let single = run(&["run", job.to_str().unwrap(), "--output", reference.to_str().unwrap(), "-q"]);
    assert_eq!(single.status.code(), Some(0), "{}", stderr(&single));
    let (code, said) = status(&reference);
    assert_eq!(code, Some(0), "{said}");
    assert!(said.starts_with("run: done: 72 of 72 units finished\n"), "{said}");

    // Three shards at once, as three pods of an Indexed Job; shard 1 is killed outright.
    let out = dir.path().join("out");
    let mut children: Vec<Child> = (0..SHARDS).map(|i| start_shard(&job, i)).collect();
    wait_for_a_unit(&out, 1, &mut children[1]);
    children[1].kill().unwrap(); // SIGKILL: a lost pod
    children[1].wait().unwrap();
    for (i, child) in children.into_iter().enumerate().filter(|(i, _)| *i != 1) {
        let done = child.wait_with_output().unwrap();
        assert_eq!(done.status.code(), Some(0), "shard {i}: {}", stderr(&done));
    }
    let (code, said) = status(&out);
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("shard 0/3: done: 24 of 24 units finished\n"), "{said}");
    assert!(said.contains("shard 1/3: running or lost: "), "{said}");
    assert!(said.contains("shard 2/3: done: 24 of 24 units finished\n"), "{said}");
    assert!(said.ends_with("incomplete (2 of 3 done)\n"), "{said}");

    // The lost index again, by the flag this time; it takes the split from the others' manifests.
    let rerun = run(&["-v", "run", job.to_str().unwrap(), "--shard", "1/3", "--resume"]);
    assert_eq!(rerun.status.code(), Some(0), "{}", stderr(&rerun));
    assert!(stderr(&rerun).contains("an earlier shard's manifest"), "{}", stderr(&rerun));
    assert!(stdout(&rerun).contains(", kept: resumed)\n"), "{}", stdout(&rerun));
    let (code, said) = status(&out);
    assert_eq!(code, Some(0), "{said}");
    assert!(said.ends_with("complete (3 of 3 done)\n"), "{said}");

    // The union of the shards' files is the single run's, bit for bit (data and provenance).
    let (want, got) = (data_files(&reference), data_files(&out));
    assert_eq!(got.keys().collect::<Vec<_>>(), want.keys().collect::<Vec<_>>(), "the same files, no other");
    for (name, bytes) in &want {
        assert!(got[name] == *bytes, "{name} differs from the single run's");
    }
    assert_eq!(want.len(), 2 * SYMBOLS, "a file per symbol, indicators and the joined table");

    // The manifests: together, the single run's units and files; each symbol in one shard only.
    let single = support::manifest(&reference);
    let shards: Vec<serde_json::Value> = (0..SHARDS)
        .map(|i| read_json(&out.join(format!("manifest-shard-{i}-of-{SHARDS}.json"))).unwrap())
        .collect();
    assert!(!out.join("manifest.json").exists());
    let mut union = BTreeMap::new();
    let mut owner: BTreeMap<String, usize> = BTreeMap::new();
    for (i, shard) in shards.iter().enumerate() {
        assert_eq!(shard["status"], "complete");
        for ((dataset, symbol), unit) in units(shard) {
            assert!(owner.insert(symbol.clone(), i).is_none_or(|first| first == i), "{symbol} in two shards");
            assert!(union.insert((dataset, symbol), unit).is_none());
        }
    }
    assert_eq!(union, units(&single), "the shards' units are the single run's");
    for (name, dataset) in single["datasets"].as_object().unwrap() {
        let mut files: Vec<&str> = shards
            .iter()
            .flat_map(|s| s["datasets"][name]["files"].as_array().unwrap())
            .map(|f| f.as_str().unwrap())
            .collect();
        files.sort_unstable();
        let mut want: Vec<&str> =
            dataset["files"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
        want.sort_unstable();
        assert_eq!(files, want, "{name}'s files");
        for shard in &shards {
            for key in ["path", "kind", "hash", "identity"] {
                assert_eq!(shard["datasets"][name][key], dataset[key], "{name}: {key}");
            }
        }
    }

    // The split: made from each symbol's estimated bars in the window (worked out here from the
    // fixture), the same in every shard, and balanced by them: longest processing time first
    // leaves the largest and the smallest shard at most one symbol's weight apart.
    let fingerprint = &shards[0]["shard"]["assignment"];
    let mut loads = Vec::new();
    for (i, shard) in shards.iter().enumerate() {
        let record = &shard["shard"];
        assert_eq!(
            (record["index"].as_u64(), record["count"].as_u64()),
            (Some(i as u64), Some(u64::from(SHARDS)))
        );
        assert_eq!(&record["assignment"], fingerprint, "every shard split the job the same way");
        let weights: BTreeMap<String, u64> =
            serde_json::from_value(record["estimated_bars"].clone()).unwrap();
        assert_eq!(weights, bars, "the weights are each symbol's estimated bars in the window");
        let mine: BTreeSet<&str> =
            shard["symbols"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
        let load: u64 = mine.iter().map(|s| bars[*s]).sum();
        assert_eq!(record["bars"].as_u64(), Some(load));
        loads.push(load);
    }
    let largest = *bars.values().max().unwrap();
    let (max, min) = (*loads.iter().max().unwrap(), *loads.iter().min().unwrap());
    assert!(max - min <= largest, "loads {loads:?}: more than one symbol's bars ({largest}) apart");
    assert_eq!(loads.iter().sum::<u64>(), bars.values().sum::<u64>());
    eprintln!("shard loads in bars: {loads:?}");
}

#[test]
fn a_bad_shard_is_one_line_before_any_unit_runs() {
    let dir = TempDir::new().unwrap();
    let (fixture, _) = fixture(dir.path());
    let job = job(dir.path(), &fixture);
    let out = dir.path().join("out");
    for (shard, said) in [
        ("3/3", "error: --shard 3/3: index 3 is outside 0..3 (expected 0 to 2)\n"),
        ("0/0", "error: --shard 0/0: N is 0 (expected at least 1 shard)\n"),
        ("1-of-3", "error: --shard \"1-of-3\": expected I/N, such as 0/4 (shard I of N, I from 0 to N-1)\n"),
    ] {
        let output = run(&["run", job.to_str().unwrap(), "--shard", shard]);
        assert_eq!((output.status.code(), stderr(&output).as_str()), (Some(1), said));
        assert!(!out.exists(), "nothing written");
    }
    let output = support::candlewick()
        .args(["run", job.to_str().unwrap()])
        .env("JOB_COMPLETION_INDEX", "4")
        .env("JOB_COMPLETIONS", "4")
        .output()
        .unwrap();
    assert_eq!(
        (output.status.code(), stderr(&output).as_str()),
        (
            Some(1),
            "error: JOB_COMPLETION_INDEX=4, JOB_COMPLETIONS=4: index 4 is outside 0..4 (expected 0 to 3)\n"
        )
    );
    assert!(!out.exists(), "nothing written");
}

/// A database that cannot be reached is transient: exit 75, which a pod failure policy retries;
/// a job file that cannot be read is permanent: exit 1.
#[test]
fn an_unreachable_database_exits_75_and_a_bad_job_file_1() {
    let dir = TempDir::new().unwrap();
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    let text = format!(
        "database:\n  url: postgresql://postgres@127.0.0.1:1/market?connect_timeout=2\nsymbols: [EURUSD]\ntimeframe: 1h\n\
         start: 2018-01-01\nend: 2018-02-01\noutput: out\nplugins:\n  - path: {}\n",
        plugin_wasm("indicators").display()
    );
    let job = dir.path().join("job.yaml");
    std::fs::write(&job, text).unwrap();
    let output = run(&["run", job.to_str().unwrap(), "--shard", "0/2"]);
    assert_eq!(output.status.code(), Some(75), "{}", stderr(&output));
    assert!(stderr(&output).starts_with("error: connecting to "), "{}", stderr(&output));

    std::fs::write(&job, "symbols: [EURUSD]\ntimeframe: 7h\n").unwrap();
    let output = run(&["run", job.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
}

/// The Kubernetes manifests fit the binary: the ConfigMap's job file is a job candlewick reads
/// (credentials from the Secret's variables), its workers are the pod's CPU request, the pods'
/// shard count is the Job's completions, and the failure policy fails an index on exactly the
/// exit codes the binary calls permanent.
#[test]
fn the_kubernetes_manifests_fit_the_binary() {
    let yaml = |name: &str| -> serde_json::Value {
        let path = repo_path(&format!("deploy/k8s/{name}"));
        serde_norway::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
    };
    let secret = yaml("secret.yaml");
    let env = |name: &str| secret["stringData"][name].as_str().map(str::to_owned);
    let text = yaml("configmap.yaml")["data"]["job.yaml"].as_str().unwrap().to_owned();
    let job = candlewick::job::Job::parse(&text, Path::new("/etc/candlewick/job.yaml"), &env)
        .unwrap_or_else(|err| panic!("the ConfigMap's job file: {err}"));
    let k8s = yaml("job.yaml");
    let spec = &k8s["spec"];
    let container = &spec["template"]["spec"]["containers"][0];
    let cpu: usize = container["resources"]["requests"]["cpu"].as_str().unwrap().parse().unwrap();
    assert_eq!(job.workers, cpu, "a worker per requested core");
    let completions = container["env"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "JOB_COMPLETIONS")
        .and_then(|e| e["value"].as_str()?.parse::<u64>().ok());
    assert_eq!(completions, spec["completions"].as_u64(), "JOB_COMPLETIONS is the Job's completions");
    use candlewick::cli::Exit;
    let permanent: Vec<u64> =
        [Exit::Failure, Exit::UnitsFailed, Exit::Usage].iter().map(|e| u64::from(e.code())).collect();
    let rule = &spec["podFailurePolicy"]["rules"][0];
    assert_eq!(rule["action"], "FailIndex");
    assert_eq!(rule["onExitCodes"]["values"], serde_json::json!(permanent));
    assert_eq!(spec["completionMode"], "Indexed");
    assert!(spec["backoffLimitPerIndex"].as_u64().is_some_and(|n| n > 0), "transient failures are retried");
}
