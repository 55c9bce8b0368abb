//! Outputs in object storage (`output: s3://bucket/prefix`), against a real S3-compatible server:
//! the SeaweedFS that `scripts/test` starts on loopback (`scripts/lib/seaweedfs.sh`). A job writes
//! the same files to the bucket as to a folder; its manifest is committed once, with a create-only
//! put the server refuses to repeat; a store that cannot be reached or written is a one-line error
//! before any unit runs.

#[path = "support/s3.rs"]
mod s3;
mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

use s3::{Azure, S3};
use support::{plugin_wasm, repo_path, stderr, stdout};

/// Two entries of the indicators plugin and their joined table, over the embedded EURUSD sample.
fn job(dir: &Path, output: &str) -> std::path::PathBuf {
    job_with(dir, output, &plugin_wasm("indicators"))
}

fn job_with(dir: &Path, output: &str, plugin: &Path) -> std::path::PathBuf {
    let text = format!(
        "symbols: [EURUSD]\ntimeframe: 1h\nstart: 2018-03-01\nend: 2018-04-30T23:00:00Z\noutput: {output}\n\
         workers: 2\ncache_dir: {}\njoined: features\nplugins:\n  - path: {plugin}\n    name: sma10\n    \
         params: {{ sma_period: 10 }}\n  - path: {plugin}\n    name: sma20\n    params: {{ sma_period: 20 }}\n",
        repo_path("target/test-cache/candlewick").display(),
        plugin = plugin.display(),
    );
    let path = dir.join("job.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

fn run_into(s3: &S3, job: &Path, args: &[&str], writer: bool) -> Output {
    let mut command = support::candlewick();
    command.arg("run").arg(job).args(args).env_remove("DATABASE_URL");
    if writer { s3.writer_env(&mut command) } else { s3.reader_env(&mut command) }.output().unwrap()
}

/// Every file under `out` by its path relative to it, with its bytes.
fn local_files(out: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, files);
            } else {
                let name = path.strip_prefix(root).unwrap().to_str().unwrap().to_owned();
                files.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(out, out, &mut files);
    files
}

/// What a manifest says of each unit: dataset, symbol, status, file, sha256.
fn units(manifest: &[u8]) -> Vec<(String, String, String, String, String)> {
    let manifest: serde_json::Value = serde_json::from_slice(manifest).unwrap();
    manifest["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            let s = |k: &str| u[k].as_str().unwrap_or_default().to_owned();
            (s("dataset"), s("symbol"), s("status"), s("file"), s("sha256"))
        })
        .collect()
}

#[test]
fn a_job_into_s3_writes_the_files_of_a_run_into_a_folder_and_commits_its_manifest_once() {
    let s3 = S3::new();
    let dir = tempfile::tempdir().unwrap();
    let prefix = s3.prefix("same-as-folder");
    let url = s3.url(&prefix);
    // A Parquet file of an earlier layout is there already: stale, and --prune removes it.
    s3.put(&prefix, "old-00000000/symbol=EURUSD/data.parquet", b"PAR1 not this run's PAR1");
    let job = job(dir.path(), &url);

    // The reference: the same job file into a folder, given as a file:// URL.
    let folder = dir.path().join("folder");
    let reference = run_into(&s3, &job, &["--output", &format!("file://{}", folder.display()), "-q"], true);
    assert_eq!(reference.status.code(), Some(0), "{}", stderr(&reference));

    let first = run_into(&s3, &job, &["-q"], true);
    assert_eq!(first.status.code(), Some(0), "{}{}", stdout(&first), stderr(&first));
    let summary = stdout(&first);
    assert!(summary.contains(&format!("output: {url}\n")), "{summary}");
    assert!(
        summary.contains(&format!("  {url}/sma10-")) && summary.contains("/symbol=EURUSD/data.parquet ("),
        "{summary}"
    );
    assert!(summary.contains(&format!("manifest: {url}/manifest.json\n")), "{summary}");
    assert!(
        summary.contains("stale: 1 files of earlier runs not listed") && summary.contains("old-00000000/"),
        "{summary}"
    );

    let local = local_files(&folder);
    let remote = s3.objects(&prefix);
    let data = |files: &BTreeMap<String, Vec<u8>>| -> BTreeMap<String, Vec<u8>> {
        files
            .iter()
            .filter(|(name, _)| name.ends_with(".parquet") && !name.starts_with("old-"))
            .map(|(n, b)| (n.clone(), b.clone()))
            .collect()
    };
    assert_eq!(data(&local).len(), 3, "sma10, sma20 and the joined table: {:?}", local.keys());
    assert_eq!(data(&remote).keys().collect::<Vec<_>>(), data(&local).keys().collect::<Vec<_>>());
    for (name, bytes) in data(&local) {
        assert!(remote[&name] == bytes, "{name}: the object differs from the folder's file");
    }
    // The manifest: committed, complete, listing the same files with the same checksums; the
    // progress record beside it; nothing else (no staging or probe object left).
    let committed = &remote["manifest.json"];
    assert_eq!(units(committed), units(&local["manifest.json"]));
    let manifest: serde_json::Value = serde_json::from_slice(committed).unwrap();
    assert_eq!(manifest["status"], "complete");
    assert_eq!(
        remote.keys().filter(|k| !k.ends_with(".parquet")).collect::<Vec<_>>(),
        ["_progress/manifest.json", "manifest.json"]
    );

    // pyarrow and polars read each dataset from the bucket as the folder's (scripts/test installs
    // them, scripts/lib/readers.sh).
    let python = repo_path("target/toolchains/readers/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/lib/readers.sh (scripts/test does)",
        python.display()
    );
    let mut command = std::process::Command::new(&python);
    command.arg(repo_path("host/tests/readers/read_s3.py")).arg(&url).arg(&folder);
    let read = s3.writer_env(&mut command).output().unwrap();
    assert!(read.status.success(), "{}{}", stdout(&read), stderr(&read));
    assert_eq!(stdout(&read).lines().filter(|l| l.starts_with("ok ")).count(), 6, "{}", stdout(&read));

    // The server refuses a second create-only put of the manifest: the commit cannot be replaced.
    let again = s3.put_create(&prefix, "manifest.json", b"{}");
    assert!(matches!(again, Err(object_store::Error::AlreadyExists { .. })), "{again:?}");
    assert_eq!(&s3.objects(&prefix)["manifest.json"], committed, "the commit is unchanged");

    // Running the job again onto its committed output: refused before any unit runs …
    let refused = run_into(&s3, &job, &[], true);
    assert_eq!(refused.status.code(), Some(1), "{}", stdout(&refused));
    let err = stderr(&refused);
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(
        err.contains(&format!("output {url}: manifest.json is committed by an earlier run"))
            && err.contains("--resume"),
        "{err}"
    );
    assert!(stdout(&refused).is_empty(), "no unit ran: {}", stdout(&refused));

    // … and with --resume every unit is kept, the same commit is found there, and --prune
    // removes the stale file.
    let resumed = run_into(&s3, &job, &["--resume", "--prune", "-q"], true);
    assert_eq!(resumed.status.code(), Some(0), "{}{}", stdout(&resumed), stderr(&resumed));
    let summary = stdout(&resumed);
    assert!(summary.starts_with("units: 3 ok (3 resumed), 0 failed"), "{summary}");
    assert!(summary.contains("stale: 1 files of earlier runs removed (--prune)"), "{summary}");
    let after = s3.objects(&prefix);
    assert_eq!(&after["manifest.json"], committed, "the commit is never replaced");
    assert!(!after.keys().any(|k| k.starts_with("old-")), "{:?}", after.keys());
    assert_eq!(data(&after), data(&remote));

    // Another version of the job file (a line more) may not --resume onto that commit.
    let text = std::fs::read_to_string(&job).unwrap();
    std::fs::write(&job, format!("# edited\n{text}")).unwrap();
    let other = run_into(&s3, &job, &["--resume"], true);
    assert_eq!(other.status.code(), Some(1), "{}", stdout(&other));
    let err = stderr(&other);
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.contains("manifest.json is committed by a run of another job file"), "{err}");
    assert!(stdout(&other).is_empty(), "no unit ran: {}", stdout(&other));
    assert_eq!(&s3.objects(&prefix)["manifest.json"], committed, "the commit is never replaced");
}

#[test]
fn a_store_that_cannot_be_reached_or_written_is_a_one_line_error_before_any_unit_runs() {
    let s3 = S3::new();
    let dir = tempfile::tempdir().unwrap();
    let prefix = s3.prefix("bad-store");
    // The store is checked before the plugins are even read: this one is not there.
    let job = job_with(dir.path(), &s3.url(&prefix), &dir.path().join("not-read.wasm"));
    let one_line_error = |output: &Output, expected: &[&str]| {
        assert!(output.status.code().is_some_and(|c| c != 0), "{}{}", stdout(output), stderr(output));
        assert!(stdout(output).is_empty(), "no unit ran: {}", stdout(output));
        let err = stderr(output);
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        for part in expected {
            assert!(err.contains(part), "{part:?} in {err}");
        }
    };

    // Credentials that may only read: the write probe is refused.
    let read_only = run_into(&s3, &job, &[], false);
    one_line_error(&read_only, &[&format!("output {}: cannot write: ", s3.url(&prefix)), "AccessDenied"]);
    assert_eq!(read_only.status.code(), Some(1), "a refusal stays a refusal: not retried");

    // A bucket that is not there.
    let missing = format!("s3://no-such-bucket-{}/p", std::process::id());
    let no_bucket = run_into(&s3, &job, &["--output", &missing], true);
    one_line_error(&no_bucket, &[&format!("output {missing}: "), "NoSuchBucket"]);
    assert_eq!(no_bucket.status.code(), Some(1));

    // An endpoint where nothing listens (a port just closed): an error in seconds, not minutes.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let started = std::time::Instant::now();
    let mut command = support::candlewick();
    command.arg("run").arg(&job).env_remove("DATABASE_URL");
    let unreachable =
        s3.writer_env(&mut command).env("AWS_ENDPOINT_URL", format!("http://{closed}")).output().unwrap();
    one_line_error(&unreachable, &[&format!("output {}: cannot list it: ", s3.url(&prefix))]);
    assert_eq!(
        unreachable.status.code(),
        Some(75),
        "a store that does not answer may come back: EX_TEMPFAIL"
    );
    assert!(started.elapsed().as_secs() < 30, "took {:?}", started.elapsed());

    assert!(s3.objects(&prefix).is_empty(), "nothing was written");
}

/// Symbols of the sharded job, each the embedded sample's 2018 cut to 3, 6, 9 or 12 months.
const SHARDED_SYMBOLS: usize = 24;

fn sharded_job(dir: &Path, output: &str) -> std::path::PathBuf {
    let fixture = support::symbols_fixture(dir, SHARDED_SYMBOLS, |s| (s % 4 + 1) * 3);
    support::symbols_job(dir, &fixture, SHARDED_SYMBOLS, ("2018-01-08", "2018-12-31T21:00:00Z"), output)
}

/// Three shards at once into S3, as three pods of a Kubernetes Indexed Job; one killed outright
/// once its progress record lists a finished unit, then run again with `--resume`: the union of
/// the objects is a single process's folder, bit for bit, and each shard's manifest is committed.
#[test]
fn shards_into_s3_one_killed_and_rerun_add_up_to_a_single_run() {
    const SHARDS: u32 = 3;
    let s3 = S3::new();
    let dir = tempfile::tempdir().unwrap();
    let prefix = s3.prefix("shards");
    let job = sharded_job(dir.path(), &s3.url(&prefix));

    let folder = dir.path().join("single");
    let single = run_into(&s3, &job, &["--output", folder.to_str().unwrap(), "-q"], true);
    assert_eq!(single.status.code(), Some(0), "{}", stderr(&single));

    let start = |index: u32| {
        let mut command = support::candlewick();
        command
            .arg("run")
            .arg(&job)
            .arg("-q")
            .env_remove("DATABASE_URL")
            .env("JOB_COMPLETION_INDEX", index.to_string())
            .env("JOB_COMPLETIONS", SHARDS.to_string())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        s3.writer_env(&mut command).spawn().unwrap()
    };
    let mut children: Vec<std::process::Child> = (0..SHARDS).map(start).collect();
    // Shard 1's progress record lists a finished unit: kill it (SIGKILL, a lost pod).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
    loop {
        assert!(children[1].try_wait().unwrap().is_none(), "shard 1 ended before it could be killed");
        let progress = s3.get(&prefix, &format!("_progress/manifest-shard-1-of-{SHARDS}.json"));
        if progress.is_some_and(|bytes| units(&bytes).iter().any(|u| u.2 == "ok")) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "shard 1 finished no unit in time");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    children[1].kill().unwrap();
    children[1].wait().unwrap();
    for (i, child) in children.into_iter().enumerate().filter(|(i, _)| *i != 1) {
        let done = child.wait_with_output().unwrap();
        assert_eq!(done.status.code(), Some(0), "shard {i}: {}", stderr(&done));
    }
    assert!(
        s3.get(&prefix, &format!("manifest-shard-1-of-{SHARDS}.json")).is_none(),
        "shard 1 did not commit"
    );

    // `candlewick status` reads the shards' manifests from the bucket.
    let status = |s3: &S3| {
        let mut command = support::candlewick();
        command.args(["status", &s3.url(&prefix)]);
        let output = s3.writer_env(&mut command).output().unwrap();
        (output.status.code(), format!("{}{}", stdout(&output), stderr(&output)))
    };
    let (code, said) = status(&s3);
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("shard 1/3: running or lost: "), "{said}");
    assert!(said.ends_with("incomplete (2 of 3 done)\n"), "{said}");

    let rerun = run_into(&s3, &job, &["--shard", &format!("1/{SHARDS}"), "--resume"], true);
    assert_eq!(rerun.status.code(), Some(0), "{}{}", stdout(&rerun), stderr(&rerun));
    assert!(stdout(&rerun).contains(", kept: resumed)\n"), "{}", stdout(&rerun));

    let objects = s3.objects(&prefix);
    let local = local_files(&folder);
    let data = |files: &BTreeMap<String, Vec<u8>>| -> BTreeMap<String, Vec<u8>> {
        files.iter().filter(|(n, _)| n.ends_with(".parquet")).map(|(n, b)| (n.clone(), b.clone())).collect()
    };
    let (want, got) = (data(&local), data(&objects));
    assert_eq!(want.len(), 2 * SHARDED_SYMBOLS, "indicators and the joined table, a file per symbol");
    assert_eq!(got.keys().collect::<Vec<_>>(), want.keys().collect::<Vec<_>>(), "the same files, no other");
    for (name, bytes) in &want {
        assert!(got[name] == *bytes, "{name} differs from the single run's");
    }
    // Each shard's manifest is committed; together they list the single run's units.
    let mut union: Vec<_> = (0..SHARDS)
        .flat_map(|i| {
            let name = format!("manifest-shard-{i}-of-{SHARDS}.json");
            units(
                objects.get(&name).unwrap_or_else(|| panic!("{name} is not committed: {:?}", objects.keys())),
            )
        })
        .collect();
    let (code, said) = status(&s3);
    assert_eq!(code, Some(0), "{said}");
    assert!(said.ends_with("complete (3 of 3 done)\n"), "{said}");
    let mut single_units = units(&local["manifest.json"]);
    union.sort();
    single_units.sort();
    assert_eq!(union, single_units);
}

/// A TCP relay to the S3 server that can be cut: the store going away in the middle of a run.
struct Relay {
    addr: std::net::SocketAddr,
    cut: std::sync::Arc<std::sync::atomic::AtomicBool>,
    open: std::sync::Arc<std::sync::Mutex<Vec<std::net::TcpStream>>>,
}

impl Relay {
    /// Listens on a loopback port and forwards every connection to `endpoint` (`http://host:port`).
    fn to(endpoint: &str) -> Relay {
        use std::sync::atomic::Ordering;
        let upstream = endpoint.trim_start_matches("http://").trim_end_matches('/').to_owned();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let relay =
            Relay { addr: listener.local_addr().unwrap(), cut: Default::default(), open: Default::default() };
        let (cut, open) = (std::sync::Arc::clone(&relay.cut), std::sync::Arc::clone(&relay.open));
        std::thread::spawn(move || {
            // Dropping the listener when cut closes the port: new connections are refused.
            while !cut.load(Ordering::SeqCst) {
                let Ok((client, _)) = listener.accept() else {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    continue;
                };
                client.set_nonblocking(false).unwrap();
                let server = std::net::TcpStream::connect(&upstream).unwrap();
                let mut list = open.lock().unwrap();
                list.extend([client.try_clone().unwrap(), server.try_clone().unwrap()]);
                for (mut from, mut to) in
                    [(client.try_clone().unwrap(), server.try_clone().unwrap()), (server, client)]
                {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Write);
                    });
                }
            }
        });
        relay
    }

    fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Closes the port and every connection through it.
    fn cut(&self) {
        self.cut.store(true, std::sync::atomic::Ordering::SeqCst);
        for stream in self.open.lock().unwrap().drain(..) {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// The store goes away after the first unit's file is uploaded: the units whose uploads then fail
/// fail alone, the run exits 75 (a scheduler retries it), commits nothing, and a run with `--resume`
/// once the store is back completes it with the same files as a run that was never cut.
#[test]
fn a_store_lost_mid_run_fails_the_units_it_took_exits_75_and_resume_completes() {
    let s3 = S3::new();
    let dir = tempfile::tempdir().unwrap();
    let prefix = s3.prefix("lost-store");
    let job = sharded_job(dir.path(), &s3.url(&prefix));
    let relay = Relay::to(&s3.endpoint);
    let mut command = support::candlewick();
    command.arg("run").arg(&job).arg("-q").env_remove("DATABASE_URL");
    let mut child = s3
        .writer_env(&mut command)
        .env("AWS_ENDPOINT_URL", relay.endpoint())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
    while !s3.objects(&prefix).keys().any(|name| name.ends_with(".parquet")) {
        assert!(child.try_wait().unwrap().is_none(), "the run ended before its store could be cut");
        assert!(std::time::Instant::now() < deadline, "no file was uploaded in time");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    relay.cut();
    let lost = child.wait_with_output().unwrap();
    let (out, err) = (stdout(&lost), stderr(&lost));
    assert_eq!(lost.status.code(), Some(75), "a store that went away may come back: {out}{err}");
    assert!(out.contains("failed") && out.contains(&format!("uploading {}/", s3.url(&prefix))), "{out}");
    assert!(s3.get(&prefix, "manifest.json").is_none(), "nothing committed");

    let resumed = run_into(&s3, &job, &["--resume"], true);
    assert_eq!(resumed.status.code(), Some(0), "{}{}", stdout(&resumed), stderr(&resumed));
    let folder = dir.path().join("never-cut");
    let single = run_into(&s3, &job, &["--output", folder.to_str().unwrap(), "-q"], true);
    assert_eq!(single.status.code(), Some(0), "{}", stderr(&single));
    let parquet = |files: BTreeMap<String, Vec<u8>>| -> BTreeMap<String, Vec<u8>> {
        files.into_iter().filter(|(n, _)| n.ends_with(".parquet")).collect()
    };
    let (got, want) = (parquet(s3.objects(&prefix)), parquet(local_files(&folder)));
    assert_eq!(got.keys().collect::<Vec<_>>(), want.keys().collect::<Vec<_>>());
    assert!(got == want, "the resumed files are a never-cut run's, bit for bit");
    assert_eq!(
        units(&s3.get(&prefix, "manifest.json").unwrap()),
        units(&local_files(&folder)["manifest.json"])
    );
}

/// The same job into Azure Blob Storage (`az://container/prefix`), against Azurite, Microsoft's
/// emulator of it: the files are a folder run's, bit for bit; the manifest is committed with a
/// create-only put the server refuses to repeat; `--resume` keeps every unit and the commit.
#[test]
fn a_job_into_azure_blob_storage_writes_a_folder_runs_files_and_commits_once() {
    let azure = Azure::new();
    let dir = tempfile::tempdir().unwrap();
    let prefix = s3::unique_prefix("azure");
    let url = azure.url(&prefix);
    let job = job(dir.path(), &url);
    let run = |args: &[&str]| {
        let mut command = support::candlewick();
        command.arg("run").arg(&job).args(args).env_remove("DATABASE_URL");
        azure.env(&mut command).output().unwrap()
    };
    let folder = dir.path().join("folder");
    let reference = run(&["--output", folder.to_str().unwrap(), "-q"]);
    assert_eq!(reference.status.code(), Some(0), "{}", stderr(&reference));
    let first = run(&["-q"]);
    assert_eq!(first.status.code(), Some(0), "{}{}", stdout(&first), stderr(&first));
    assert!(stdout(&first).contains(&format!("manifest: {url}/manifest.json\n")), "{}", stdout(&first));

    let remote = azure.remote();
    let (objects, local) = (remote.objects(&prefix), local_files(&folder));
    let parquet = |files: &BTreeMap<String, Vec<u8>>| -> BTreeMap<String, Vec<u8>> {
        files.iter().filter(|(n, _)| n.ends_with(".parquet")).map(|(n, b)| (n.clone(), b.clone())).collect()
    };
    assert_eq!(parquet(&local).len(), 3, "sma10, sma20 and the joined table: {:?}", local.keys());
    assert!(parquet(&objects) == parquet(&local), "the blobs are the folder's files, bit for bit");
    let committed = &objects["manifest.json"];
    assert_eq!(units(committed), units(&local["manifest.json"]));
    assert_eq!(
        objects.keys().filter(|k| !k.ends_with(".parquet")).collect::<Vec<_>>(),
        ["_progress/manifest.json", "manifest.json"]
    );
    let again = remote.put_create(&prefix, "manifest.json", b"{}");
    assert!(matches!(again, Err(object_store::Error::AlreadyExists { .. })), "{again:?}");

    let resumed = run(&["--resume", "-q"]);
    assert_eq!(resumed.status.code(), Some(0), "{}{}", stdout(&resumed), stderr(&resumed));
    assert!(stdout(&resumed).starts_with("units: 3 ok (3 resumed), 0 failed"), "{}", stdout(&resumed));
    assert_eq!(&remote.objects(&prefix)["manifest.json"], committed, "the commit is never replaced");

    let mut status = support::candlewick();
    status.args(["status", &url]);
    let status = azure.env(&mut status).output().unwrap();
    assert_eq!(status.status.code(), Some(0), "{}{}", stdout(&status), stderr(&status));
    assert!(stdout(&status).ends_with("complete (1 of 1 done)\n"), "{}", stdout(&status));

    // `candlewick report` reads the output from the store as from a folder.
    let page = dir.path().join("report.html");
    let mut report = support::candlewick();
    report.args(["report", &url, "-o", page.to_str().unwrap()]);
    let report = azure.env(&mut report).output().unwrap();
    assert_eq!(report.status.code(), Some(0), "{}{}", stdout(&report), stderr(&report));
    assert_eq!(stderr(&report), "", "every listed file was fetched");
    assert!(stdout(&report).contains("(1 symbol, "), "{}", stdout(&report));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains(&format!("candlewick report: {url}")), "the page names the store's URL");
}
