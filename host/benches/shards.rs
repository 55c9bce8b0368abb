//! The figures a sizing of shards needs, from real `candlewick run` processes over N one-minute
//! bars (default 2,000,000 over 4 symbols) in PostgreSQL through the `indicators` plugin into
//! Parquet: per process, bars/s and units/s, peak database connections (the process's own TCP
//! connections to the server, from /proc) and peak resident memory (`VmHWM`); as ratios to the
//! baseline of one process with one worker, measured in the same run:
//! - one process, `workers: 1` (the baseline);
//! - one process, `workers: 2`;
//! - two shards at once (`--shard 0/2`, `--shard 1/2`), `workers: 1` each: what N pods on one
//!   node, or N pods against one database, add up to;
//! - what a shard pays before its first unit: weighing each symbol by its estimated bars in the
//!   window (`job::estimated_bars`, two index lookups), per symbol, against counting its bars
//!   (`availability`, one `count(*)`, the weighing before) and the COPY drain of their `close`.
//!
//! ```sh
//! scripts/build-plugins --rust-only
//! DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test cargo bench -p candlewick --bench shards
//! ```
//!
//! Linux only (it reads /proc).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use candlewick::domain::Timestamp;
use candlewick_testdb::TestDb;

mod common;
use common::{MINUTE, START, SYMBOLS, generate, plain_copy};

/// How often a running process is looked at.
const SAMPLE: Duration = Duration::from_millis(20);

/// What one process did.
#[derive(Debug, Default, Clone, Copy)]
struct Process {
    /// Most TCP connections to the database it held at once.
    connections: usize,
    /// Peak resident memory, MiB.
    rss_mib: f64,
}

/// What one scenario did: its wall time and each process's figures.
struct Outcome {
    seconds: f64,
    processes: Vec<Process>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let per_symbol = common::bars_from_env() / SYMBOLS.len();
    let wasm = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/plugins/indicators.wasm");
    assert!(wasm.exists(), "{} is missing: run scripts/build-plugins first", wasm.display());
    let rows = generate(per_symbol);
    let bars = rows.len();
    let db = TestDb::new();
    let mut client = db.client();
    candlewick::pg::migrate::migrate(&mut client)?;
    plain_copy(&mut client, &rows)?;
    client.batch_execute("VACUUM ANALYZE market_data")?;
    drop(rows);
    let port = server_port(db.url());
    println!(
        "shards benchmark: {bars} one-minute bars over {} symbols (a unit: one symbol, {per_symbol} bars), plugin \
         indicators, schema {}",
        SYMBOLS.len(),
        db.schema()
    );
    let dir = tempfile::TempDir::new()?;
    let end = Timestamp::from_micros(START + (per_symbol as i64 - 1) * MINUTE);
    let job = |workers: usize, name: &str| -> std::io::Result<PathBuf> {
        let text = format!(
            "database:\n  url: {}\nsymbols: [{}]\ntimeframe: 1m\nstart: {}\nend: {end}\noutput: out-{name}\n\
             workers: {workers}\ncache_dir: {}\nplugins:\n  - path: {}\n    params: {{ sma_period: 30 }}\n",
            db.url(),
            SYMBOLS.join(", "),
            Timestamp::from_micros(START),
            dir.path().join("cache").display(),
            wasm.display()
        );
        let path = dir.path().join(format!("{name}.yaml"));
        std::fs::write(&path, text)?;
        Ok(path)
    };
    // The first run compiles the plugin into the cache; the others load it.
    let warm = job(2, "warm-up")?;
    run(&[vec!["run".into(), warm.display().to_string()]], port);

    let one = job(1, "one")?;
    let two = job(2, "two")?;
    let shards = job(1, "shards")?;
    let baseline = run(&[vec!["run".into(), one.display().to_string()]], port);
    let workers = run(&[vec!["run".into(), two.display().to_string()]], port);
    let sharded = run(
        &(0..2)
            .map(|i| vec!["run".into(), shards.display().to_string(), "--shard".into(), format!("{i}/2")])
            .collect::<Vec<_>>(),
        port,
    );
    let units = SYMBOLS.len() as f64;
    let line = |what: &str, outcome: &Outcome| {
        let bars_s = bars as f64 / outcome.seconds;
        let per_process = outcome.processes.len() as f64;
        let connections: Vec<usize> = outcome.processes.iter().map(|p| p.connections).collect();
        let rss: Vec<String> = outcome.processes.iter().map(|p| format!("{:.0}", p.rss_mib)).collect();
        println!(
            "  {what:<34} {:>7.2} s  {:>9.0} bars/s ({:>9.0} per process)  {:>5.2} units/s  {:.2}x the baseline  \
             DB connections per process {connections:?}  peak RSS MiB {rss:?}",
            outcome.seconds,
            bars_s,
            bars_s / per_process,
            units / outcome.seconds,
            baseline.seconds / outcome.seconds,
        );
    };
    // The split's cost: every shard weighs every symbol as it starts. Counting is what the
    // weighing replaced; the COPY drain of the same bars is what reading them costs at least.
    let reader = candlewick::reader::PgMarketDataReader::connect(
        &candlewick::pg::ConnectionSettings::parse(db.url())?,
        &candlewick::reader::PgReaderConfig::default(),
    )?;
    let window = candlewick::domain::TimeRange::new(Timestamp::from_micros(START), end)?;
    let symbols =
        SYMBOLS.iter().map(|s| candlewick::domain::Symbol::new(*s)).collect::<Result<Vec<_>, _>>()?;
    const ROUNDS: usize = 50;
    let started = Instant::now();
    let mut estimated = 0;
    for _ in 0..ROUNDS {
        for symbol in &symbols {
            estimated += candlewick::job::estimated_bars(
                &reader,
                symbol,
                candlewick::domain::Timeframe::Minute1,
                window,
            )?;
        }
    }
    let weigh_s = started.elapsed().as_secs_f64() / (ROUNDS * symbols.len()) as f64;
    assert_eq!(estimated as usize, bars * ROUNDS, "gapless minutes: the estimate is the count");
    let started = Instant::now();
    let mut counted = 0;
    for symbol in &symbols {
        counted += candlewick::reader::MarketDataReader::availability(
            &reader,
            symbol,
            candlewick::domain::Timeframe::Minute1,
            window,
        )?
        .count;
    }
    let count_s = started.elapsed().as_secs_f64() / symbols.len() as f64;
    assert_eq!(counted as usize, bars);
    let started = Instant::now();
    for symbol in SYMBOLS {
        common::copy_drain(&mut client, symbol, "close_price")?;
    }
    let drain_s = started.elapsed().as_secs_f64() / symbols.len() as f64;
    println!(
        "\nthe split, per symbol of {per_symbol} bars: weighing {:.3} ms (whatever the length); counting (before) \
         {:.1} ms, {:.1} M bars/s, {:.0}x the weighing; the COPY drain of their close {:.1} ms",
        weigh_s * 1e3,
        count_s * 1e3,
        per_symbol as f64 / count_s / 1e6,
        count_s / weigh_s,
        drain_s * 1e3,
    );
    println!("\nper process (wall time of the scenario; throughput over all its processes):");
    line("1 process, workers 1 (baseline)", &baseline);
    line("1 process, workers 2", &workers);
    line("2 shards at once, workers 1 each", &sharded);
    Ok(())
}

/// Runs `commands` (arguments of `candlewick`) at once, each in a process of its own, looking at
/// each every [`SAMPLE`] until all are done; panics when one fails.
fn run(commands: &[Vec<String>], port: u16) -> Outcome {
    let started = Instant::now();
    let mut children: Vec<(Child, Process)> = commands
        .iter()
        .map(|args| {
            let child = Command::new(env!("CARGO_BIN_EXE_candlewick"))
                .args(args)
                .arg("-q")
                .env_remove("JOB_COMPLETION_INDEX")
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("candlewick starts");
            (child, Process::default())
        })
        .collect();
    let mut done = vec![false; children.len()];
    while done.iter().any(|d| !d) {
        let sockets = database_sockets(port);
        for ((child, seen), done) in children.iter_mut().zip(done.iter_mut()).filter(|(_, d)| !**d) {
            let pid = child.id();
            seen.connections = seen.connections.max(connections_of(pid, &sockets));
            if let Some(rss) = peak_rss_mib(pid) {
                seen.rss_mib = seen.rss_mib.max(rss);
            }
            if let Some(status) = child.try_wait().expect("waiting on candlewick") {
                let mut err = String::new();
                if let Some(mut stderr) = child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut stderr, &mut err);
                }
                assert!(status.success(), "candlewick {:?}: {status}: {err}", commands);
                *done = true;
            }
        }
        std::thread::sleep(SAMPLE);
    }
    Outcome {
        seconds: started.elapsed().as_secs_f64(),
        processes: children.into_iter().map(|(_, p)| p).collect(),
    }
}

/// The server's port in a `postgresql://` URL (5432 when it names none).
fn server_port(url: &str) -> u16 {
    let authority = url.split("://").nth(1).unwrap_or(url).split(['/', '?']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or(authority);
    host.rsplit_once(':').and_then(|(_, p)| p.parse().ok()).unwrap_or(5432)
}

/// The socket inodes of every TCP connection to `port` (/proc/net/tcp and tcp6).
fn database_sockets(port: u16) -> BTreeSet<u64> {
    let mut inodes = BTreeSet::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else { continue };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let remote_port = fields
                .get(2)
                .and_then(|r| r.rsplit(':').next())
                .and_then(|p| u16::from_str_radix(p, 16).ok());
            // State 01: established.
            if remote_port == Some(port)
                && fields.get(3) == Some(&"01")
                && let Some(inode) = fields.get(9).and_then(|i| i.parse().ok())
            {
                inodes.insert(inode);
            }
        }
    }
    inodes
}

/// How many of `sockets` process `pid` holds open.
fn connections_of(pid: u32, sockets: &BTreeSet<u64>) -> usize {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { return 0 };
    fds.filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter_map(|link| {
            let link = link.to_str()?.to_owned();
            link.strip_prefix("socket:[")?.strip_suffix(']')?.parse::<u64>().ok()
        })
        .filter(|inode| sockets.contains(inode))
        .count()
}

/// Peak resident memory of `pid` so far (`VmHWM`), MiB.
fn peak_rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(Path::new("/proc").join(pid.to_string()).join("status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
