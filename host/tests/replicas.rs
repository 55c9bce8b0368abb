//! Read replicas against a real streaming standby: a throwaway primary (wal_level=replica) and
//! standbys made by `pg_basebackup -R` (scripts/lib/replicas.sh). Reads go to the replica and the
//! output is the primary-only run's; a replica stopped mid-job hands its reads to another and the
//! output is still the same; a lagging or unreachable replica is skipped with a warning;
//! `fallback: fail` with no healthy replica, and a replica URL that is the primary's, fail the job
//! with one line before any unit runs.
//!
//! `scripts/test` starts the pair and exports `CANDLEWICK_TEST_PRIMARY_URL`,
//! `CANDLEWICK_TEST_REPLICA_URL`, `CANDLEWICK_TEST_REPLICA_BASE` and `CANDLEWICK_TEST_PRIMARY_PORT`;
//! without them (`cargo test` alone) this binary starts its own pair through the same library,
//! for as long as it runs. A pair that cannot be started fails the tests: nothing skips.

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use candlewick::domain::Timestamp;
use postgres::{Client, NoTls};
use support::{plugin_wasm, read_parquet, repo_path, stderr};

const MINUTE: i64 = 60_000_000;
const START: i64 = 1_577_836_800_000_000; // 2020-01-01T00:00:00Z

/// The primary and its standby.
#[derive(Debug, Clone)]
struct Pair {
    primary: String,
    replica: String,
    /// The folder of the clusters, where a test adds standbys of its own.
    base: String,
    primary_port: String,
}

/// The pair `scripts/test` started, or one started here: a `bash` that sourced the library, started
/// the pair and waits on its stdin, which closes when this process ends, so its exit trap stops
/// and deletes the clusters.
fn pair() -> &'static Pair {
    static PAIR: OnceLock<Pair> = OnceLock::new();
    static KEEPER: OnceLock<Mutex<(Child, ChildStdin)>> = OnceLock::new();
    PAIR.get_or_init(|| {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        if let (Some(primary), Some(replica), Some(base), Some(primary_port)) = (
            var("CANDLEWICK_TEST_PRIMARY_URL"),
            var("CANDLEWICK_TEST_REPLICA_URL"),
            var("CANDLEWICK_TEST_REPLICA_BASE"),
            var("CANDLEWICK_TEST_PRIMARY_PORT"),
        ) {
            return Pair { primary, replica, base, primary_port };
        }
        let mut child = Command::new("bash")
            .arg("-c")
            .arg(
                "source scripts/lib/replicas.sh && candlewick_start_replica_pair >&2 || exit 1; \
                 env | grep '^CANDLEWICK_TEST_'; echo READY; read -r _",
            )
            .current_dir(repo_path(""))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("bash runs");
        let mut found = std::collections::BTreeMap::new();
        for line in BufReader::new(child.stdout.take().unwrap()).lines() {
            let line = line.unwrap();
            if line == "READY" {
                break;
            }
            if let Some((key, value)) = line.split_once('=') {
                found.insert(key.to_owned(), value.to_owned());
            }
        }
        let get = |key: &str| {
            found.get(key).cloned().unwrap_or_else(|| {
                panic!(
                    "scripts/lib/replicas.sh could not start a primary and a standby (see its messages \
                     above); scripts/test starts them, or run `source scripts/lib/replicas.sh; \
                     candlewick_start_replica_pair` and export its variables"
                )
            })
        };
        let pair = Pair {
            primary: get("CANDLEWICK_TEST_PRIMARY_URL"),
            replica: get("CANDLEWICK_TEST_REPLICA_URL"),
            base: get("CANDLEWICK_TEST_REPLICA_BASE"),
            primary_port: get("CANDLEWICK_TEST_PRIMARY_PORT"),
        };
        let stdin = child.stdin.take().unwrap();
        KEEPER.set(Mutex::new((child, stdin))).ok();
        pair
    })
}

/// A standby of the test's own, for a test that stops or pauses it: stopped when dropped.
struct Standby {
    url: String,
    data: String,
}

impl Standby {
    fn new() -> Standby {
        let pair = pair();
        let output = lib(&format!("candlewick_new_standby '{}' '{}'", pair.base, pair.primary_port));
        let text = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        assert!(output.status.success(), "a new standby: {}", String::from_utf8_lossy(&output.stderr));
        let (port, data) = text.split_once(' ').unwrap_or_else(|| panic!("port and folder: {text:?}"));
        Standby {
            url: format!("postgresql://postgres@127.0.0.1:{port}/candlewick_test"),
            data: data.to_owned(),
        }
    }

    /// `pg_ctl stop -m immediate`: the server goes at once, as in a crash.
    fn stop_immediately(&self) {
        let output = lib(&format!("candlewick_pg_ctl '{}' stop -m immediate -w", self.data));
        assert!(output.status.success(), "stopping the standby: {}", String::from_utf8_lossy(&output.stderr));
    }
}

impl Drop for Standby {
    fn drop(&mut self) {
        let _ = lib(&format!("candlewick_pg_ctl '{}' stop -m immediate -w >/dev/null 2>&1", self.data));
    }
}

/// Runs `command` in a `bash` that sourced scripts/lib/replicas.sh.
fn lib(command: &str) -> std::process::Output {
    Command::new("bash")
        .arg("-c")
        .arg(format!("source scripts/lib/replicas.sh && {command}"))
        .current_dir(repo_path(""))
        .output()
        .expect("bash runs")
}

fn connect(url: &str) -> Client {
    Client::connect(url, NoTls).unwrap_or_else(|err| panic!("connecting to {url}: {err}"))
}

/// A schema of its own on the primary, migrated and seeded with `bars` one-minute bars per symbol,
/// a deterministic walk, written with plain SQL. Dropped when the value is.
struct Schema {
    name: String,
}

impl Schema {
    fn seeded(symbols: &[String], bars: i64) -> Schema {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!("cw_replicas_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        connect(&pair().primary).batch_execute(&format!("CREATE SCHEMA {name}")).unwrap();
        let schema = Schema { name };
        let mut client = connect(&schema.url(&pair().primary));
        candlewick::pg::migrate::migrate(&mut client).expect("migrations apply on the primary");
        for (k, symbol) in symbols.iter().enumerate() {
            client
                .execute(
                    "INSERT INTO market_data (symbol, timeframe, timestamp, open_price, high_price, low_price, \
                     close_price, volume) \
                     SELECT $1, '1m', to_timestamp(($2::bigint + i * 60000000) / 1e6), \
                            100 + sin(i / 7.0 + $3::float8), 101 + sin(i / 7.0 + $3::float8), \
                            99 + sin(i / 7.0 + $3::float8), 100 + sin(i / 5.0 + $3::float8), i % 97 \
                     FROM generate_series(0, $4::bigint - 1) AS i",
                    &[symbol, &START, &(k as f64), &bars],
                )
                .unwrap();
        }
        schema
    }

    /// `url` with this schema first on the search path.
    fn url(&self, url: &str) -> String {
        let separator = if url.contains('?') { '&' } else { '?' };
        format!("{url}{separator}options=-csearch_path%3D{}", self.name)
    }

    /// Scans of this schema's `market_data` on the server at `url`, as its statistics count them.
    fn scans(&self, url: &str) -> i64 {
        connect(url)
            .query_one(
                "SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables \
                 WHERE schemaname = $1 AND relname = 'market_data'",
                &[&self.name],
            )
            .map_or(0, |row| row.get(0))
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        if let Ok(mut client) = Client::connect(&pair().primary, NoTls) {
            let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
        }
    }
}

/// Waits until the standby at `url` has replayed everything the primary has written so far.
fn caught_up(url: &str) {
    let lsn: String =
        connect(&pair().primary).query_one("SELECT pg_current_wal_lsn()::text", &[]).unwrap().get(0);
    let mut standby = connect(url);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let behind: f64 = standby
            .query_one("SELECT pg_wal_lsn_diff($1::text::pg_lsn, pg_last_wal_replay_lsn())::float8", &[&lsn])
            .unwrap()
            .get(0);
        if behind <= 0.0 {
            return;
        }
        assert!(Instant::now() < deadline, "the standby {url} is still {behind} bytes behind");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn symbols(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("S{i:02}")).collect()
}

/// A job over `symbols` × `bars` of the schema, with `database` as its database section's lines.
fn job(dir: &Path, name: &str, database: &str, symbols: &[String], bars: i64, workers: usize) -> PathBuf {
    let path = dir.join(format!("{name}.yaml"));
    std::fs::write(
        &path,
        format!(
            "database:\n{database}symbols: [{}]\ntimeframe: 1m\nstart: {}\nend: {}\noutput: {name}\n\
             cache_dir: {}\nworkers: {workers}\nlimits: {{ batch_rows: 500 }}\nplugins:\n  - path: {}\n",
            symbols.join(", "),
            Timestamp::from_micros(START),
            Timestamp::from_micros(START + (bars - 1) * MINUTE),
            repo_path("target/test-cache/candlewick").display(),
            plugin_wasm("indicators").display()
        ),
    )
    .unwrap();
    path
}

fn command(job: &Path, env: &[(&str, &str)]) -> Command {
    let mut command = support::candlewick();
    command.args(["run", job.to_str().unwrap()]).env_remove("DATABASE_URL").env_remove("RUST_LOG");
    command.env_remove("CANDLEWICK_LOG");
    for (key, value) in env {
        command.env(key, value);
    }
    command
}

fn run_job(job: &Path, env: &[(&str, &str)]) -> std::process::Output {
    command(job, env).output().expect("candlewick runs")
}

/// The primary-only run's output, `primary`, and `other` hold the same bars, bit for bit, for
/// every symbol.
fn assert_same_output(primary: &Path, other: &Path, symbols: &[String], bars: i64) {
    for symbol in symbols {
        let expected = read_parquet(&support::unit_file(primary, "indicators", symbol));
        let got = read_parquet(&support::unit_file(other, "indicators", symbol));
        assert_eq!(expected.ts.len(), bars as usize, "{symbol}: every bar of the window");
        assert_eq!(got.ts, expected.ts, "{symbol}");
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(got.floats.keys().collect::<Vec<_>>(), expected.floats.keys().collect::<Vec<_>>());
        for (name, values) in &expected.floats {
            assert_eq!(bits(&got.floats[name]), bits(values), "{symbol} {name}");
        }
    }
}

/// Polls `scans` until it passes `floor` (statistics reach the shared counters shortly after a
/// session ends), or a few seconds have passed; the last value.
fn scans_above(schema: &Schema, url: &str, floor: i64) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let scans = schema.scans(url);
        if scans > floor || Instant::now() > deadline {
            return scans;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn reads_go_to_the_replicas_and_the_output_is_the_primary_only_runs() {
    let pair = pair();
    let symbols = symbols(3);
    let bars = 3_000;
    let schema = Schema::seeded(&symbols, bars);
    let second = Standby::new();
    caught_up(&pair.replica);
    caught_up(&second.url);
    let dir = tempfile::tempdir().unwrap();
    let (primary_url, replica_url, second_url) =
        (schema.url(&pair.primary), schema.url(&pair.replica), schema.url(&second.url));
    let env = [
        ("CW_PRIMARY", primary_url.as_str()),
        ("CW_REPLICA", replica_url.as_str()),
        ("CW_SECOND", second_url.as_str()),
    ];

    let before = [schema.scans(&pair.primary), schema.scans(&pair.replica), schema.scans(&second.url)];
    let replicated = job(
        dir.path(),
        "replicated",
        "  url: ${CW_PRIMARY}\n  replicas: ['${CW_REPLICA}', '${CW_SECOND}']\n  fallback: fail\n",
        &symbols,
        bars,
        2,
    );
    let output = run_job(&replicated, &env);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(!stderr(&output).contains("skipped"), "{}", stderr(&output));
    // The units read their bars on the standbys — S00 and S02 on the first, S01 on the second —
    // and the primary answered the checks but scanned nothing.
    for (url, name, floor) in
        [(&pair.replica, "the first replica", before[1]), (&second.url, "the second", before[2])]
    {
        let scans = scans_above(&schema, url, floor);
        assert!(scans > floor, "{name}'s scans of market_data went from {floor} to {scans}");
        let in_recovery: bool = connect(url).query_one("SELECT pg_is_in_recovery()", &[]).unwrap().get(0);
        assert!(in_recovery, "{name} is a standby");
    }
    assert_eq!(schema.scans(&pair.primary), before[0], "the primary took no reads");

    let primary_only = job(dir.path(), "primary-only", "  url: ${CW_PRIMARY}\n", &symbols, bars, 2);
    let output = run_job(&primary_only, &env);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(schema.scans(&pair.primary) > before[0], "the primary-only run read the primary");
    assert_same_output(&dir.path().join("primary-only"), &dir.path().join("replicated"), &symbols, bars);
}

#[test]
fn a_replica_stopped_mid_job_hands_its_reads_over_and_the_output_is_unchanged() {
    let pair = pair();
    let symbols = symbols(40);
    let bars = 4_000;
    let schema = Schema::seeded(&symbols, bars);
    let doomed = Standby::new();
    caught_up(&doomed.url);
    caught_up(&pair.replica);
    let dir = tempfile::tempdir().unwrap();
    let (primary_url, doomed_url, replica_url) =
        (schema.url(&pair.primary), schema.url(&doomed.url), schema.url(&pair.replica));
    let env = [
        ("CW_PRIMARY", primary_url.as_str()),
        ("CW_DOOMED", doomed_url.as_str()),
        ("CW_REPLICA", replica_url.as_str()),
    ];
    // Half the symbols read from each replica; once one is gone, all from the other. The
    // primary is never read (fallback: fail), so the other replica carries the job.
    let replicated = job(
        dir.path(),
        "replicated",
        "  url: ${CW_PRIMARY}\n  replicas: ['${CW_DOOMED}', '${CW_REPLICA}']\n  fallback: fail\n",
        &symbols,
        bars,
        2,
    );
    let mut child = command(&replicated, &env).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    // Stopped once the first unit is done, with most of the job still to run.
    let manifest = dir.path().join("replicated/manifest.json");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        assert!(child.try_wait().unwrap().is_none(), "the job ended before the replica could be stopped");
        let ok = std::fs::read_to_string(&manifest)
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .map_or(0, |m| m["units"].as_array().unwrap().iter().filter(|u| u["status"] == "ok").count());
        if ok >= 1 {
            assert!(
                ok < symbols.len() / 2,
                "{ok} units were done already: the job is too short to prove anything"
            );
            break;
        }
        assert!(Instant::now() < deadline, "no unit finished in time");
        std::thread::sleep(Duration::from_millis(10));
    }
    doomed.stop_immediately();
    let output = child.wait_with_output().unwrap();
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains("read replica failed mid-job")
            && text.contains("its reads go to the 1 other replica(s)"),
        "the warning: {text}"
    );
    assert_eq!(text.matches("read replica failed mid-job").count(), 1, "said once: {text}");

    let primary_only = job(dir.path(), "primary-only", "  url: ${CW_PRIMARY}\n", &symbols, bars, 2);
    let output = run_job(&primary_only, &env);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_same_output(&dir.path().join("primary-only"), &dir.path().join("replicated"), &symbols, bars);
}

#[test]
fn a_lagging_or_unreachable_replica_is_skipped_with_a_warning() {
    let pair = pair();
    let symbols = symbols(2);
    let bars = 500;
    let schema = Schema::seeded(&symbols, bars);
    let lagging = Standby::new();
    caught_up(&lagging.url);
    // Replay stops; the primary commits once more; a second passes.
    connect(&lagging.url).batch_execute("SELECT pg_wal_replay_pause()").unwrap();
    connect(&schema.url(&pair.primary))
        .batch_execute("CREATE TABLE after_the_pause (x int); INSERT INTO after_the_pause VALUES (1)")
        .unwrap();
    std::thread::sleep(Duration::from_millis(2_200));
    let dir = tempfile::tempdir().unwrap();
    let (primary_url, lagging_url) = (schema.url(&pair.primary), schema.url(&lagging.url));
    // Port 1 on the loopback refuses at once.
    let unreachable = "postgresql://postgres@127.0.0.1:1/candlewick_test";
    let env = [("CW_PRIMARY", primary_url.as_str()), ("CW_LAGGING", lagging_url.as_str())];
    let before = schema.scans(&lagging.url);
    let path = job(
        dir.path(),
        "out",
        &format!(
            "  url: ${{CW_PRIMARY}}\n  replicas: ['${{CW_LAGGING}}', '{unreachable}']\n  max_lag_secs: 1\n"
        ),
        &symbols,
        bars,
        1,
    );
    let output = run_job(&path, &env);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    let warnings: Vec<&str> = text.lines().filter(|l| l.contains("read replica skipped")).collect();
    assert_eq!(warnings.len(), 2, "{text}");
    assert!(warnings[0].contains("WARN") && warnings[0].contains("replicas[0]"), "{text}");
    assert!(
        warnings[0].contains("s behind the primary") && warnings[0].contains("max_lag_secs: 1"),
        "{text}"
    );
    assert!(warnings[1].contains("replicas[1]") && warnings[1].contains("unreachable"), "{text}");
    assert!(text.contains("no healthy read replica: reading from the primary"), "{text}");
    assert_eq!(schema.scans(&lagging.url), before, "the lagging replica took no reads");
    for symbol in &symbols {
        let table = read_parquet(&support::unit_file(&dir.path().join("out"), "indicators", symbol));
        assert_eq!(table.ts.len(), bars as usize, "{symbol}: read from the primary");
    }
}

#[test]
fn fallback_fail_without_a_healthy_replica_fails_the_job_before_any_unit() {
    let pair = pair();
    let schema = Schema::seeded(&symbols(1), 10);
    let dir = tempfile::tempdir().unwrap();
    let primary_url = schema.url(&pair.primary);
    let path = job(
        dir.path(),
        "out",
        "  url: ${CW_PRIMARY}\n  replicas: ['postgresql://reader:s3cret-pw@127.0.0.1:1/market']\n  fallback: fail\n",
        &symbols(1),
        10,
        1,
    );
    let output = run_job(&path, &[("CW_PRIMARY", primary_url.as_str())]);
    let text = stderr(&output);
    // The database unavailable: 75 (EX_TEMPFAIL), a transient failure that a retry may cure.
    assert_eq!(output.status.code(), Some(75), "{text}");
    let errors: Vec<&str> = text.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{text}");
    assert!(
        errors[0].starts_with(
            "error: database.replicas: no healthy replica, and fallback: fail: market data source unavailable: \
             replicas[0] postgresql://reader@127.0.0.1:1/market: unreachable: "
        ),
        "{text}"
    );
    assert!(!text.contains("s3cret-pw"), "the password leaked: {text}");
    assert!(!dir.path().join("out/manifest.json").exists(), "no unit ran");
}

#[test]
fn a_replica_url_that_is_the_primarys_fails_the_job_with_one_line_before_any_unit() {
    let pair = pair();
    let schema = Schema::seeded(&symbols(1), 10);
    let dir = tempfile::tempdir().unwrap();
    let primary_url = schema.url(&pair.primary);
    // Another name of the same server: only the server itself can tell.
    let port = &pair.primary_port;
    let alias = schema.url(&format!("postgresql://postgres@localhost:{port}/candlewick_test"));
    let env = [("CW_PRIMARY", primary_url.as_str()), ("CW_ALIAS", alias.as_str())];
    let path =
        job(dir.path(), "out", "  url: ${CW_PRIMARY}\n  replicas: ['${CW_ALIAS}']\n", &symbols(1), 10, 1);
    let output = run_job(&path, &env);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert_eq!(text.lines().count(), 1, "one line: {text}");
    assert!(
        text.starts_with(&format!("error: database.replicas[0]: postgresql://postgres@localhost:{port}/candlewick_test is the primary itself (system identifier ")),
        "{text}"
    );
    assert!(text.trim_end().ends_with("(expected a standby of it)"), "{text}");
    assert!(!dir.path().join("out/manifest.json").exists(), "no unit ran");

    // The same host and port as the primary's: refused as the job file is read.
    let same =
        job(dir.path(), "same", "  url: ${CW_PRIMARY}\n  replicas: ['${CW_PRIMARY}']\n", &symbols(1), 10, 1);
    let output = run_job(&same, &env);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert_eq!(text.lines().count(), 1, "one line: {text}");
    assert!(
        text.trim_end().ends_with(&format!(
            "same.yaml: database.replicas[0]: postgresql://postgres@127.0.0.1:{port}/candlewick_test is the \
             primary's server 127.0.0.1:{port} (expected a standby of it)"
        )),
        "{text}"
    );
}

/// Lag is measured again as the job runs: a replica whose replay pauses mid-job (the primary
/// writing on) takes no reads once a check finds it behind — they go to the primary, with a
/// warning — and takes them again once it has caught up; the output is a primary-only run's.
#[test]
fn a_replica_that_falls_behind_mid_job_takes_no_reads_until_it_catches_up() {
    let pair = pair();
    // Long enough for two lag checks (1 s apart, max_lag_secs / 2 at its floor) after the first unit.
    let symbols = symbols(300);
    let bars = 1_500;
    let schema = Schema::seeded(&symbols, bars);
    let lagging = Standby::new();
    caught_up(&lagging.url);
    let dir = tempfile::tempdir().unwrap();
    let (primary_url, lagging_url) = (schema.url(&pair.primary), schema.url(&lagging.url));
    let env = [("CW_PRIMARY", primary_url.as_str()), ("CW_LAGGING", lagging_url.as_str())];
    let path = job(
        dir.path(),
        "replicated",
        "  url: ${CW_PRIMARY}\n  replicas: ['${CW_LAGGING}']\n  max_lag_secs: 1\n  fallback: primary\n",
        &symbols,
        bars,
        1,
    );
    // Pages of 25 bars: many reads per unit, each a chance for the next lag check.
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("batch_rows: 500", "batch_rows: 25")).unwrap();
    let primary_before = schema.scans(&pair.primary);
    // At `info`, the log says when the replica takes reads again, too.
    let mut child = command(&path, &[env[0], env[1], ("CANDLEWICK_LOG", "info")])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let said = std::sync::Arc::new(Mutex::new(String::new()));
    let reader = {
        let said = std::sync::Arc::clone(&said);
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let mut said = said.lock().unwrap();
                said.push_str(&line.unwrap());
                said.push('\n');
            }
        })
    };
    let wait_for = |what: &str, child: &mut Child| {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !said.lock().unwrap().contains(what) {
            assert!(
                child.try_wait().unwrap().is_none(),
                "the job ended before {what:?}: {}",
                said.lock().unwrap()
            );
            assert!(Instant::now() < deadline, "no {what:?} in time: {}", said.lock().unwrap());
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    // Replay stops once the job reads; the primary commits on.
    let manifest = dir.path().join("replicated/manifest.json");
    let finished = || {
        std::fs::read_to_string(&manifest)
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .map_or(0, |m| m["units"].as_array().unwrap().iter().filter(|u| u["status"] == "ok").count())
    };
    while finished() == 0 {
        assert!(child.try_wait().unwrap().is_none(), "the job ended before replay could be paused");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        schema.scans(&pair.primary),
        primary_before,
        "the primary took no reads while the replica kept up"
    );
    connect(&lagging.url).batch_execute("SELECT pg_wal_replay_pause()").unwrap();
    // A live primary: a commit every 100 ms while the job runs, so that a standby that replays
    // them is a fraction of a second behind, and one that does not falls further behind.
    connect(&primary_url).batch_execute("CREATE TABLE written_mid_job (x int)").unwrap();
    let writing = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let writer = {
        let (writing, url) = (std::sync::Arc::clone(&writing), primary_url.clone());
        std::thread::spawn(move || {
            let mut client = connect(&url);
            while writing.load(Ordering::Relaxed) {
                client.batch_execute("INSERT INTO written_mid_job VALUES (1)").unwrap();
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    wait_for("read replica fell behind mid-job", &mut child);
    let replica_scans = scans_above(&schema, &lagging.url, 0);
    let primary_scans = scans_above(&schema, &pair.primary, primary_before);
    assert!(primary_scans > primary_before, "the primary took the reads of the replica that fell behind");
    connect(&lagging.url).batch_execute("SELECT pg_wal_replay_resume()").unwrap();
    wait_for("read replica caught up: it takes reads again", &mut child);
    let done = finished();
    assert!(done < symbols.len(), "{done} units were done already: the job is too short to prove anything");
    let output = child.wait_with_output().unwrap();
    writing.store(false, Ordering::Relaxed);
    writer.join().unwrap();
    reader.join().unwrap();
    let text = said.lock().unwrap().clone();
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains("read replica fell behind mid-job (behind the primary")
            && text.contains("its reads go to the primary"),
        "the warning says why and where: {text}"
    );
    assert!(
        scans_above(&schema, &lagging.url, replica_scans) > replica_scans,
        "the replica read again once caught up"
    );

    let primary_only = job(dir.path(), "primary-only", "  url: ${CW_PRIMARY}\n", &symbols, bars, 1);
    let output = run_job(&primary_only, &env);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_same_output(&dir.path().join("primary-only"), &dir.path().join("replicated"), &symbols, bars);
}
