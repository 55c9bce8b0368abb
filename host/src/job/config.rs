//! The job file: YAML in the shape of the replaced system's service configuration, with
//! `${VAR}` / `${VAR:default}` in every string value.
//!
//! ```yaml
//! database:                 # or `fixture: bars.csv`; neither: the embedded EURUSD sample
//!   host: ${DB_HOST:localhost}
//!   port: 5432
//!   database: market
//!   username: ${DB_USER:postgres}
//!   password: ${DB_PASSWORD:}
//!   # url: ${DATABASE_URL}  # instead of the five keys above
//!   replicas: ['${REPLICA_URL:}']  # optional: standbys that take the reads (an empty one is left out)
//!   max_lag_secs: 30        # a replica further behind the primary is skipped, with a warning
//!   fallback: primary       # no healthy replica: read the primary (or `fail`)
//! symbols: [EURUSD]
//! timeframe: 1h
//! start: 2018-01-01
//! end: 2018-12-31T23:00:00Z
//! as_of: 2018-12-31T23:00:00Z   # default: end
//! output: out/eurusd
//! allow_empty: false        # a unit whose window holds no bar fails (true: it writes nothing)
//! joined: features          # optional: the feature builders joined per (symbol, ts), one more dataset
//! limits:                   # every plugin's, each key with its unit; defaults in comments
//!   memory_mb: 2048         # linear memory
//!   call_timeout_secs: 300  # CPU limit: wall time of one call, host calls included
//!   rows_per_call: 8000000  # bars per reader call or cursor batch ...
//!   mb_per_call: 128        # ... and bytes of columns (8 per value) per call
//!   rows_per_unit: 100000000  # bars one unit of work may read in all ...
//!   mb_per_unit: 4096       # ... and bytes
//!   output_rows: 50000000   # rows of the table a unit returns ...
//!   output_mb: 1024         # ... and its bytes (8 per timestamp and per value)
//!   output_columns: 10000   # ... and its columns
//!   name_bytes: 256         # bytes of a column name
//!   reader_calls_per_unit: 10000  # reader calls (a cursor batch is one) one unit of work may make
//!   open_cursors: 1000      # cursors one unit of work may hold open at once
//!   batch_rows: 16384       # the largest cursor batch
//!   warm_up_bars: 100000    # bars of warm-up one input of a plugin's plan may declare
//!   statement_timeout_ms: 30000  # every SQL statement of the reader (job-wide only)
//! plugins:
//!   - path: target/plugins/indicators.wasm
//!     name: indicators-sma30        # the output folder; default: the plugin's own name
//!     params: { sma_period: 30 }
//!     limits: { memory_mb: 4096 }   # this plugin's own, over the job's
//! ```
//! Relative paths are taken from the job file's folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use sha2::Digest;

use super::interpolate::interpolate;
use crate::domain::{SymbolSet, TimeRange, Timeframe, Timestamp};
use crate::output::OutputName;
use crate::pg::ConnectionSettings;
use crate::reader::{DEFAULT_MAX_LAG, Fallback, PgReaderConfig, ReadReplicas};
use crate::runtime::{MIB, RuntimeLimits};
use crate::unit;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JobFile {
    database: Option<DatabaseSection>,
    fixture: Option<PathBuf>,
    symbols: Vec<String>,
    timeframe: String,
    start: String,
    end: String,
    as_of: Option<String>,
    output: PathBuf,
    /// Options of the output's object store client (`output: s3://…`), by its key names.
    storage: Option<BTreeMap<String, serde_norway::Value>>,
    plugins: Vec<PluginSection>,
    #[serde(default)]
    limits: LimitsSection,
    cache_dir: Option<PathBuf>,
    #[serde(default)]
    fail_fast: bool,
    #[serde(default)]
    allow_empty: bool,
    /// The joined feature table's name.
    joined: Option<String>,
    workers: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DatabaseSection {
    url: Option<String>,
    host: Option<String>,
    port: Option<u16>,
    database: Option<String>,
    username: Option<String>,
    password: Option<String>,
    /// Read replicas' URLs; an empty one (`${REPLICA_URL:}` unset) is left out.
    #[serde(default)]
    replicas: Vec<String>,
    /// Whole seconds, checked here so that the message names the key.
    max_lag_secs: Option<serde_norway::Value>,
    fallback: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PluginSection {
    path: PathBuf,
    /// The entry's output folder; default: the name the plugin describes.
    name: Option<String>,
    #[serde(default)]
    params: BTreeMap<String, serde_norway::Value>,
    warm_up_bars: Option<u32>,
    /// This plugin's limits, over the job's.
    limits: Option<LimitsSection>,
}

/// `limits:`, of the job or of one plugin. Every key names its unit.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsSection {
    memory_mb: Option<u64>,
    call_timeout_secs: Option<u64>,
    rows_per_call: Option<u64>,
    mb_per_call: Option<u64>,
    rows_per_unit: Option<u64>,
    mb_per_unit: Option<u64>,
    output_rows: Option<u64>,
    output_mb: Option<u64>,
    output_columns: Option<u64>,
    name_bytes: Option<u64>,
    reader_calls_per_unit: Option<u64>,
    open_cursors: Option<u64>,
    batch_rows: Option<u64>,
    warm_up_bars: Option<u64>,
    /// The reader's, so the job's only.
    statement_timeout_ms: Option<u64>,
}

impl LimitsSection {
    /// `base` with the values this section sets; `field` (`limits`, `plugins[1].limits`) starts
    /// the messages.
    fn apply(&self, base: &RuntimeLimits, field: &str) -> Result<RuntimeLimits, String> {
        // A count or a size that is set: at least 1, in range once in bytes.
        let value = |key: &str, value: Option<u64>, unit: u64| -> Result<Option<u64>, String> {
            match value {
                None => Ok(None),
                Some(0) => Err(format!("{field}.{key}: 0 (expected at least 1)")),
                Some(v) => v
                    .checked_mul(unit)
                    .filter(|n| usize::try_from(*n).is_ok())
                    .map(Some)
                    .ok_or_else(|| format!("{field}.{key}: {v} is too large")),
            }
        };
        let size = |key: &str, v: Option<u64>, unit: u64, default: usize| -> Result<usize, String> {
            Ok(value(key, v, unit)?.map_or(default, |n| n as usize))
        };
        let mib = MIB as u64;
        Ok(RuntimeLimits {
            memory_bytes: size("memory_mb", self.memory_mb, mib, base.memory_bytes)?,
            call_timeout: value("call_timeout_secs", self.call_timeout_secs, 1)?
                .map_or(base.call_timeout, Duration::from_secs),
            rows_per_call: size("rows_per_call", self.rows_per_call, 1, base.rows_per_call)?,
            bytes_per_call: size("mb_per_call", self.mb_per_call, mib, base.bytes_per_call)?,
            rows_per_unit: value("rows_per_unit", self.rows_per_unit, 1)?.unwrap_or(base.rows_per_unit),
            bytes_per_unit: value("mb_per_unit", self.mb_per_unit, mib)?.unwrap_or(base.bytes_per_unit),
            output_rows: size("output_rows", self.output_rows, 1, base.output_rows)?,
            output_bytes: size("output_mb", self.output_mb, mib, base.output_bytes)?,
            output_columns: size("output_columns", self.output_columns, 1, base.output_columns)?,
            name_bytes: size("name_bytes", self.name_bytes, 1, base.name_bytes)?,
            reader_calls_per_unit: value("reader_calls_per_unit", self.reader_calls_per_unit, 1)?
                .unwrap_or(base.reader_calls_per_unit),
            open_cursors: size("open_cursors", self.open_cursors, 1, base.open_cursors)?,
            batch_rows: size("batch_rows", self.batch_rows, 1, base.batch_rows)?,
            warm_up_bars: match value("warm_up_bars", self.warm_up_bars, 1)? {
                None => base.warm_up_bars,
                Some(bars) => u32::try_from(bars).map_err(|_| {
                    format!("{field}.warm_up_bars: {bars} is too large (expected at most {})", u32::MAX)
                })?,
            },
            max_instances: base.max_instances,
        })
    }
}

/// Where a job reads bars.
#[derive(Debug, Clone)]
pub enum Source {
    Database(Box<ConnectionSettings>),
    Fixture(PathBuf),
    /// The bundled EURUSD 1h 2018 sample, compiled into the binary: needs no server.
    Embedded,
}

/// A plugin to run, with the job's raw parameters (checked once the plugin describes itself).
#[derive(Debug, Clone)]
pub struct PluginJob {
    pub path: PathBuf,
    /// The output folder's name the job gives this entry (`name:`); without it, the plugin's own
    /// name, checked once the plugin is loaded.
    pub name: Option<OutputName>,
    pub params: BTreeMap<String, serde_norway::Value>,
    /// Overrides the warm-up the plugin describes: `describe` sees no parameters, so a longer
    /// look-back than the defaults' (an SMA of 200) needs it said here.
    pub warm_up_bars: Option<u32>,
    /// The limits its units run under: the job's, with the plugin's own `limits:` over them.
    pub limits: RuntimeLimits,
}

/// A validated job.
#[derive(Debug, Clone)]
pub struct Job {
    pub source: Source,
    pub symbols: SymbolSet,
    pub timeframe: Timeframe,
    pub window: TimeRange,
    pub as_of: Timestamp,
    /// The output folder; for an output in object storage (`remote`), its URL as a path (for
    /// messages), and the run writes to a staging folder instead.
    pub output: PathBuf,
    /// `output: s3://…` (`gs://…`, `az://…`): the object store the datasets go to.
    pub remote: Option<super::store::RemoteOutput>,
    pub plugins: Vec<PluginJob>,
    /// The job's limits: what a plugin without `limits:` of its own runs under.
    pub limits: RuntimeLimits,
    /// The reader's PostgreSQL `statement_timeout`: SQL run by a host call cannot be interrupted
    /// by the plugin's CPU limit, so it has its own.
    pub statement_timeout: Duration,
    pub cache_dir: Option<PathBuf>,
    pub fail_fast: bool,
    /// A unit whose window holds no bar succeeds with nothing written, instead of failing.
    pub allow_empty: bool,
    /// The name of the joined feature table (`joined:`): every feature builder side by side per
    /// (symbol, ts), one more dataset.
    pub joined: Option<OutputName>,
    /// The job file, as given, and the hex sha256 of its text: the manifest records which job
    /// wrote the output.
    pub file: PathBuf,
    pub file_sha256: String,
    /// Units run at once; default: the machine's cores.
    pub workers: usize,
    /// The database's read replicas (`database.replicas`): where reads go, when there are any.
    pub read_replicas: Option<ReadReplicas>,
}

/// Values given on the command line instead of the job file's (`--symbols`, `--start`, `--end`,
/// `--as-of`, `--output`); errors name the flag.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub symbols: Option<Vec<String>>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub as_of: Option<String>,
    /// Relative to the working folder, as a path on the command line is.
    pub output: Option<PathBuf>,
}

/// A job file that cannot be used; the message names the file and the field.
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct JobError {
    pub path: PathBuf,
    pub message: String,
}

impl Job {
    pub fn load(path: &Path) -> Result<Job, JobError> {
        Job::load_with(path, &Overrides::default())
    }

    /// [`load`](Self::load), with values from the command line over the file's.
    pub fn load_with(path: &Path, overrides: &Overrides) -> Result<Job, JobError> {
        let text = std::fs::read_to_string(path)
            .map_err(|err| JobError { path: path.into(), message: err.to_string() })?;
        Job::parse_with(&text, path, &|name| std::env::var(name).ok(), overrides)
    }

    /// Parses job text; `path` names it in errors and anchors relative paths.
    pub fn parse(text: &str, path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Job, JobError> {
        Job::parse_with(text, path, env, &Overrides::default())
    }

    /// [`parse`](Self::parse), with values from the command line over the file's.
    pub fn parse_with(
        text: &str,
        path: &Path,
        env: &dyn Fn(&str) -> Option<String>,
        overrides: &Overrides,
    ) -> Result<Job, JobError> {
        let fail = |message: String| JobError { path: path.into(), message };
        let mut value: serde_norway::Value =
            serde_norway::from_str(text).map_err(|err| fail(err.to_string()))?;
        interpolate_strings(&mut value, env).map_err(fail)?;
        let file: JobFile = serde_norway::from_value(value).map_err(|err| fail(located(text, &err)))?;
        // Absolute, so that every path of the job is: wasmtime's cache refuses a relative one, and
        // a job run from its own folder (`candlewick run job.yaml`) has an empty parent.
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let base = std::path::absolute(parent).unwrap_or_else(|_| parent.to_owned());
        let base = base.as_path();
        let mut job = file.validate(base, overrides).map_err(fail)?;
        job.file = path.to_owned();
        job.file_sha256 = format!("{:x}", sha2::Sha256::digest(text.as_bytes()));
        Ok(job)
    }
}

/// The error with the line it is on. Checking the interpolated value loses positions, so the raw
/// text is checked again: when it fails the same way (an unknown key, a wrong shape — anything
/// but a type that interpolation would have fixed), its error has the line and column.
fn located(text: &str, err: &serde_norway::Error) -> String {
    let message = err.to_string();
    match serde_norway::from_str::<JobFile>(text) {
        Err(raw) if raw.location().is_some() && raw.to_string().starts_with(&message) => raw.to_string(),
        _ => message,
    }
}

/// Interpolates every string; a string that came from a variable and reads as a number or a
/// boolean becomes one, so `port: ${DB_PORT:5432}` is a port.
fn interpolate_strings(
    value: &mut serde_norway::Value,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(), String> {
    match value {
        serde_norway::Value::String(text) if text.contains("${") => {
            let replaced = interpolate(text, env)?;
            *value = match serde_norway::from_str::<serde_norway::Value>(&replaced) {
                Ok(scalar @ (serde_norway::Value::Number(_) | serde_norway::Value::Bool(_))) => scalar,
                _ => serde_norway::Value::String(replaced),
            };
        }
        serde_norway::Value::Sequence(items) => {
            items.iter_mut().try_for_each(|item| interpolate_strings(item, env))?
        }
        serde_norway::Value::Mapping(map) => {
            map.iter_mut().try_for_each(|(_, item)| interpolate_strings(item, env))?
        }
        _ => {}
    }
    Ok(())
}

/// `a/b/../c` as `a/c`, without touching the file system, so messages show the path a user
/// would write.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir
                if matches!(out.components().next_back(), Some(std::path::Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn timestamp(field: &str, text: &str) -> Result<Timestamp, String> {
    Timestamp::parse(text).map_err(|err| format!("{field}: {err}"))
}

impl JobFile {
    fn validate(self, base: &Path, overrides: &Overrides) -> Result<Job, String> {
        let resolve = |p: &Path| if p.is_absolute() { p.to_owned() } else { normalize(&base.join(p)) };
        let mut read_replicas = None;
        let source = match (self.database, self.fixture) {
            (Some(_), Some(_)) => {
                return Err("both database and fixture are given (expected at most one)".into());
            }
            (Some(db), None) => {
                let replicas = db.read_replicas()?;
                let settings = db.settings()?;
                read_replicas = replicas.map(|r| checked_replicas(r, &settings)).transpose()?;
                Source::Database(Box::new(settings))
            }
            (None, Some(fixture)) => Source::Fixture(resolve(&fixture)),
            (None, None) => Source::Embedded,
        };
        // A value from the command line is named by its flag, one from the file by its key.
        let (symbols, symbols_field) = match &overrides.symbols {
            Some(symbols) => (symbols, "--symbols"),
            None => (&self.symbols, "symbols"),
        };
        if symbols.is_empty() {
            return Err(format!("{symbols_field}: empty list (expected at least one symbol)"));
        }
        let symbols = SymbolSet::parse(symbols).map_err(|err| format!("{symbols_field}: {err}"))?;
        let timeframe: Timeframe = self.timeframe.parse().map_err(|err| format!("timeframe: {err}"))?;
        fn pick<'a>(
            flag: &'static str,
            given: &'a Option<String>,
            key: &'static str,
            file: Option<&'a str>,
        ) -> Option<(&'static str, &'a str)> {
            given.as_deref().map(|v| (flag, v)).or(file.map(|v| (key, v)))
        }
        let (start_field, start) =
            pick("--start", &overrides.start, "start", Some(&self.start)).expect("a start");
        let (end_field, end) = pick("--end", &overrides.end, "end", Some(&self.end)).expect("an end");
        let (start, end) = (timestamp(start_field, start)?, timestamp(end_field, end)?);
        let window = TimeRange::new(start, end).map_err(|err| format!("{start_field}/{end_field}: {err}"))?;
        let as_of = pick("--as-of", &overrides.as_of, "as_of", self.as_of.as_deref())
            .map(|(field, text)| timestamp(field, text))
            .transpose()?;
        let as_of = unit::as_of(window, as_of).map_err(|err| err.to_string())?;
        let joined = self
            .joined
            .as_deref()
            .map(OutputName::new)
            .transpose()
            .map_err(|err| format!("joined: {err}"))?;
        if self.plugins.is_empty() {
            return Err("plugins: empty list (expected at least one plugin)".into());
        }
        let (output, remote) =
            output_target(&self.output, overrides.output.as_deref(), self.storage, &resolve)?;
        let workers = match self.workers {
            Some(0) => return Err("workers: 0 (expected at least 1)".into()),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        let defaults = RuntimeLimits {
            // Each worker holds one instance; describing plugins at load needs a few more.
            max_instances: u32::try_from(workers).unwrap_or(u32::MAX / 2).saturating_mul(2).saturating_add(4),
            ..RuntimeLimits::default()
        };
        let limits = self.limits.apply(&defaults, "limits")?;
        let statement_timeout = match self.limits.statement_timeout_ms {
            Some(0) => return Err("limits.statement_timeout_ms: 0 (expected at least 1)".into()),
            Some(ms) => Duration::from_millis(ms),
            None => PgReaderConfig::default().statement_timeout,
        };
        let plugins = self
            .plugins
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                let own = p.limits.unwrap_or_default();
                let field = format!("plugins[{i}].limits");
                if own.statement_timeout_ms.is_some() {
                    return Err(format!(
                        "{field}.statement_timeout_ms: the reader's statement timeout is the job's \
                         (expected it under the job's limits)"
                    ));
                }
                let name = p
                    .name
                    .as_deref()
                    .map(OutputName::new)
                    .transpose()
                    .map_err(|err| format!("plugins[{i}].name: {err}"))?;
                Ok(PluginJob {
                    path: resolve(&p.path),
                    name,
                    params: p.params,
                    warm_up_bars: p.warm_up_bars,
                    limits: own.apply(&limits, &field)?,
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(Job {
            source,
            symbols,
            timeframe,
            window,
            as_of,
            output,
            remote,
            plugins,
            limits,
            statement_timeout,
            cache_dir: self.cache_dir.map(|p| resolve(&p)),
            fail_fast: self.fail_fast,
            allow_empty: self.allow_empty,
            joined,
            file: PathBuf::new(),
            file_sha256: String::new(),
            workers,
            read_replicas,
        })
    }
}

/// The output: `--output` (relative to the working folder) or the file's `output:` (relative to
/// the job's folder), a folder or an object store's URL with `storage:` as its client's options.
fn output_target(
    file: &Path,
    flag: Option<&Path>,
    storage: Option<BTreeMap<String, serde_norway::Value>>,
    resolve: &dyn Fn(&Path) -> PathBuf,
) -> Result<(PathBuf, Option<super::store::RemoteOutput>), String> {
    use super::store::OutputTarget;
    let (field, text) = match flag {
        Some(flag) => ("--output", flag),
        None => ("output", file),
    };
    let target = OutputTarget::parse(&text.to_string_lossy()).map_err(|err| format!("{field}: {err}"))?;
    match target {
        OutputTarget::Local(path) => {
            if storage.is_some() {
                return Err(format!(
                    "storage: given, but {field} is a folder (expected storage: only with an object store's \
                     URL such as s3://BUCKET/PREFIX)"
                ));
            }
            let path = if flag.is_some() { path } else { resolve(&path) };
            Ok((path, None))
        }
        OutputTarget::Remote(remote) => {
            let mut options = BTreeMap::new();
            for (key, value) in storage.unwrap_or_default() {
                let value = match value {
                    serde_norway::Value::String(s) => s,
                    serde_norway::Value::Bool(b) => b.to_string(),
                    serde_norway::Value::Number(n) => n.to_string(),
                    _ => return Err(format!("storage.{key}: expected a string, number or boolean")),
                };
                options.insert(key, value);
            }
            let remote = remote.with_options(options)?;
            Ok((PathBuf::from(remote.url()), Some(remote)))
        }
    }
}

/// `replicas` when none names the primary's server or one named before; the server itself is
/// checked too when the job starts (`ReplicaReader::connect`), which catches two names of one host.
fn checked_replicas(replicas: ReadReplicas, primary: &ConnectionSettings) -> Result<ReadReplicas, String> {
    let primary_server = primary.server();
    let mut servers: Vec<String> = Vec::with_capacity(replicas.replicas.len());
    for (i, replica) in replicas.replicas.iter().enumerate() {
        let server = replica.server();
        if server == primary_server {
            return Err(format!(
                "database.replicas[{i}]: {replica} is the primary's server {server} (expected a standby of it)"
            ));
        }
        if let Some(first) = servers.iter().position(|s| *s == server) {
            return Err(format!(
                "database.replicas[{i}]: {replica} is the server of database.replicas[{first}] (expected each \
                 replica once)"
            ));
        }
        servers.push(server);
    }
    Ok(replicas)
}

impl DatabaseSection {
    /// `replicas`, `max_lag_secs` and `fallback`; `None` without replicas (then the other two
    /// must not be given either).
    fn read_replicas(&self) -> Result<Option<ReadReplicas>, String> {
        let mut replicas = Vec::new();
        for (i, url) in self.replicas.iter().enumerate() {
            if url.trim().is_empty() {
                continue;
            }
            replicas.push(
                ConnectionSettings::parse(url).map_err(|err| format!("database.replicas[{i}]: {err}"))?,
            );
        }
        if replicas.is_empty() {
            if let Some(key) =
                [("max_lag_secs", self.max_lag_secs.is_some()), ("fallback", self.fallback.is_some())]
                    .iter()
                    .find_map(|(key, given)| given.then_some(key))
            {
                return Err(format!(
                    "database.{key}: given without replicas (expected it beside database.replicas)"
                ));
            }
            return Ok(None);
        }
        let fallback = match self.fallback.as_deref() {
            None => Fallback::default(),
            Some(text) => Fallback::parse(text).ok_or_else(|| {
                format!("database.fallback: {} (expected {})", crate::domain::quoted(text), Fallback::NAMES)
            })?,
        };
        let max_lag = match &self.max_lag_secs {
            None => DEFAULT_MAX_LAG,
            Some(value) => value.as_u64().map(Duration::from_secs).ok_or_else(|| {
                let shown = serde_norway::to_string(value).unwrap_or_default();
                format!("database.max_lag_secs: {} (expected whole seconds, 0 or more)", shown.trim_end())
            })?,
        };
        Ok(Some(ReadReplicas { replicas, max_lag, fallback }))
    }

    fn settings(self) -> Result<ConnectionSettings, String> {
        if let Some(url) = self.url {
            if self.host.is_some()
                || self.database.is_some()
                || self.username.is_some()
                || self.password.is_some()
            {
                return Err(
                    "database: url and host/database/username/password are both given (expected one form)"
                        .into(),
                );
            }
            return ConnectionSettings::parse(&url).map_err(|err| format!("database.url: {err}"));
        }
        Ok(ConnectionSettings::from_parts(
            self.host.as_deref().unwrap_or("localhost"),
            self.port.unwrap_or(5432),
            self.database.as_deref().ok_or("database.database: missing (expected the database name)")?,
            self.username.as_deref().ok_or("database.username: missing (expected a user name)")?,
            self.password.as_deref(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JOB: &str = "symbols: [EURUSD]\ntimeframe: 1h\nstart: 2018-01-01\nend: 2018-02-01\noutput: out\n\
        plugins:\n  - path: p.wasm\n    params: { period: 5 }\n";

    fn parse(text: &str, env: &[(&str, &str)]) -> Result<Job, JobError> {
        let env: Vec<(String, String)> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Job::parse(text, Path::new("jobs/test.yaml"), &move |name| {
            env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn a_minimal_job_reads_the_embedded_sample_with_paths_from_the_job_folder() {
        // Relative to the job file's folder, made absolute: wasmtime's cache refuses a relative
        // folder, and a job run as `candlewick run job.yaml` has an empty parent.
        let here = std::env::current_dir().unwrap();
        let job = parse(&format!("{JOB}cache_dir: cache\n"), &[]).unwrap();
        assert!(matches!(job.source, Source::Embedded));
        assert_eq!(job.plugins[0].path, here.join("jobs/p.wasm"));
        assert_eq!(job.output, here.join("jobs/out"));
        assert_eq!(job.cache_dir, Some(here.join("jobs/cache")));
        let job = parse(&JOB.replace("output: out", "output: ../../target/x"), &[]).unwrap();
        assert_eq!(job.output, here.parent().unwrap().join("target/x"), "jobs/../../target/x, normalised");
        assert_eq!(job.as_of, job.window.end(), "as_of defaults to end");
        let bare = Job::parse(&format!("{JOB}cache_dir: cache\n"), Path::new("job.yaml"), &|_| None).unwrap();
        assert_eq!(bare.cache_dir, Some(here.join("cache")), "a job file named without a folder");
    }

    #[test]
    fn database_parts_are_interpolated_and_the_password_never_shown() {
        let text = format!(
            "database:\n  host: ${{DB_HOST:localhost}}\n  port: ${{DB_PORT:6543}}\n  database: market\n  \
             username: bob\n  password: ${{DB_PASSWORD}}\n{JOB}"
        );
        let job = parse(&text, &[("DB_PASSWORD", "s3cr3t")]).unwrap();
        let Source::Database(settings) = job.source else { panic!("a database source") };
        assert_eq!(settings.to_string(), "postgresql://bob@localhost:6543/market");
        assert_eq!(settings.config().get_password(), Some(&b"s3cr3t"[..]));
    }

    #[test]
    fn read_replicas_are_interpolated_and_an_empty_entry_is_left_out() {
        let text = format!(
            "database:\n  url: postgresql://u@db/market\n  replicas: ['${{R1}}', '${{R2:}}', 'postgresql://u:pw@db-b/market']\n  \
             max_lag_secs: ${{LAG:5}}\n  fallback: fail\n{JOB}"
        );
        let job = parse(&text, &[("R1", "postgresql://u@db-a:6543/market")]).unwrap();
        let replicas = job.read_replicas.expect("replicas");
        let urls: Vec<String> = replicas.replicas.iter().map(|r| r.to_string()).collect();
        assert_eq!(urls, ["postgresql://u@db-a:6543/market", "postgresql://u@db-b:5432/market"]);
        assert_eq!(replicas.replicas[1].config().get_password(), Some(&b"pw"[..]));
        assert_eq!((replicas.max_lag, replicas.fallback), (Duration::from_secs(5), Fallback::Fail));

        let job = parse(
            &format!("database:\n  url: postgresql://u@db/m\n  replicas: [postgresql://u@r/m]\n{JOB}"),
            &[],
        )
        .unwrap();
        let replicas = job.read_replicas.expect("replicas");
        assert_eq!(
            (replicas.max_lag, replicas.fallback),
            (DEFAULT_MAX_LAG, Fallback::Primary),
            "the defaults"
        );
        let job =
            parse(&format!("database:\n  url: postgresql://u@db/m\n  replicas: ['${{R:}}']\n{JOB}"), &[])
                .unwrap();
        assert!(job.read_replicas.is_none(), "no replica left: the primary alone");
    }

    #[test]
    fn read_replica_mistakes_name_the_field() {
        let err = |database: &str| {
            parse(&format!("database:\n  url: postgresql://u:pw@db:5432/m\n{database}{JOB}"), &[])
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err("  replicas: ['postgresql://x@DB/other']\n"),
            "jobs/test.yaml: database.replicas[0]: postgresql://x@DB:5432/other is the primary's server db:5432 \
             (expected a standby of it)"
        );
        assert_eq!(
            err("  replicas: [postgresql://u@r:5433/m, postgresql://v@r:5433/m]\n"),
            "jobs/test.yaml: database.replicas[1]: postgresql://v@r:5433/m is the server of database.replicas[0] \
             (expected each replica once)"
        );
        assert_eq!(
            err("  replicas: [postgresql://u@r/m]\n  fallback: secondary\n"),
            "jobs/test.yaml: database.fallback: \"secondary\" (expected primary or fail)"
        );
        assert_eq!(
            err("  fallback: fail\n"),
            "jobs/test.yaml: database.fallback: given without replicas (expected it beside database.replicas)"
        );
        assert!(
            err("  replicas: ['postgresql://u:s3cr3t@r:notaport/m']\n")
                .starts_with("jobs/test.yaml: database.replicas[0]: invalid database URL")
        );
        assert!(!err("  replicas: ['postgresql://u:s3cr3t@r:notaport/m']\n").contains("s3cr3t"));
        assert_eq!(
            err("  replicas: [postgresql://u@r/m]\n  max_lag_secs: -1\n"),
            "jobs/test.yaml: database.max_lag_secs: -1 (expected whole seconds, 0 or more)"
        );
        assert_eq!(
            err("  replicas: [postgresql://u@r/m]\n  max_lag_secs: 2.5\n"),
            "jobs/test.yaml: database.max_lag_secs: 2.5 (expected whole seconds, 0 or more)"
        );
    }

    #[test]
    fn limits_default_safely_and_each_plugin_may_set_its_own() {
        let job = parse(JOB, &[]).unwrap();
        let defaults = RuntimeLimits { max_instances: job.limits.max_instances, ..RuntimeLimits::default() };
        assert_eq!(job.limits, defaults);
        assert_eq!(job.plugins[0].limits, defaults);
        assert_eq!(job.statement_timeout, Duration::from_secs(30));

        let text = format!(
            "{JOB}    limits: {{ memory_mb: 128, output_rows: 10, reader_calls_per_unit: 7 }}\n  - path: q.wasm\n\
             limits:\n  memory_mb: 64\n  call_timeout_secs: 2\n  rows_per_call: 1000\n  mb_per_call: 1\n  \
             rows_per_unit: 5000\n  mb_per_unit: 3\n  output_rows: 100\n  output_mb: 4\n  batch_rows: 10\n  \
             output_columns: 20\n  name_bytes: 32\n  reader_calls_per_unit: 50\n  open_cursors: 2\n  \
             statement_timeout_ms: 1500\n"
        );
        let job = parse(&text, &[]).unwrap();
        let mib = 1 << 20;
        let limits = &job.limits;
        assert_eq!((limits.memory_bytes, limits.call_timeout), (64 * mib, Duration::from_secs(2)));
        assert_eq!((limits.rows_per_call, limits.bytes_per_call), (1000, mib));
        assert_eq!((limits.rows_per_unit, limits.bytes_per_unit), (5000, 3 * mib as u64));
        assert_eq!((limits.output_rows, limits.output_bytes, limits.batch_rows), (100, 4 * mib, 10));
        assert_eq!((limits.output_columns, limits.name_bytes), (20, 32));
        assert_eq!((limits.reader_calls_per_unit, limits.open_cursors), (50, 2));
        assert_eq!(job.statement_timeout, Duration::from_millis(1500));
        let own = &job.plugins[0].limits;
        assert_eq!((own.memory_bytes, own.output_rows), (128 * mib, 10), "the plugin's own limits");
        assert_eq!(own.reader_calls_per_unit, 7);
        assert_eq!((own.open_cursors, own.name_bytes), (limits.open_cursors, limits.name_bytes));
        assert_eq!(
            (own.call_timeout, own.output_bytes),
            (limits.call_timeout, limits.output_bytes),
            "the rest"
        );
        assert_eq!(&job.plugins[1].limits, limits, "a plugin without limits runs under the job's");
    }

    #[test]
    fn limits_name_the_key_that_is_wrong() {
        let err = |text: &str| parse(text, &[]).unwrap_err().to_string();
        assert_eq!(
            err(&format!("{JOB}limits: {{ mb_per_call: 0 }}\n")),
            "jobs/test.yaml: limits.mb_per_call: 0 (expected at least 1)"
        );
        assert_eq!(
            err(&format!("{JOB}    limits: {{ output_rows: 0 }}\n")),
            "jobs/test.yaml: plugins[0].limits.output_rows: 0 (expected at least 1)"
        );
        assert_eq!(
            err(&format!("{JOB}    limits: {{ open_cursors: 0 }}\n")),
            "jobs/test.yaml: plugins[0].limits.open_cursors: 0 (expected at least 1)"
        );
        assert!(
            err(&format!("{JOB}limits: {{ memory_mb: 99999999999999999 }}\n"))
                .ends_with("limits.memory_mb: 99999999999999999 is too large")
        );
        assert!(
            err(&format!("{JOB}    limits: {{ statement_timeout_ms: 10 }}\n")).contains(
                "plugins[0].limits.statement_timeout_ms: the reader's statement timeout is the job's"
            )
        );
        assert!(err(&format!("{JOB}limits: {{ memory_gb: 1 }}\n")).contains("unknown field `memory_gb`"));
    }

    #[test]
    fn command_line_values_replace_the_files_and_errors_name_the_flag() {
        let overrides = Overrides {
            symbols: Some(vec!["GBPUSD".into(), "BTC/USDT".into()]),
            start: Some("2018-03-01".into()),
            end: Some("2018-03-31".into()),
            as_of: Some("2018-04-30".into()),
            output: Some("elsewhere/out".into()),
        };
        let job = Job::parse_with(JOB, Path::new("jobs/test.yaml"), &|_| None, &overrides).unwrap();
        let symbols: Vec<&str> = job.symbols.iter().map(|s| s.as_str()).collect();
        assert_eq!(symbols, ["BTC/USDT", "GBPUSD"]);
        assert_eq!(job.window.start().to_string(), "2018-03-01T00:00:00Z");
        assert_eq!(job.window.end().to_string(), "2018-03-31T00:00:00Z");
        assert_eq!(job.as_of.to_string(), "2018-04-30T00:00:00Z");
        assert_eq!(job.output, Path::new("elsewhere/out"), "from the working folder, not the job's");
        assert_eq!(job.file, Path::new("jobs/test.yaml"));
        assert_eq!(job.file_sha256.len(), 64);

        let err = |overrides: Overrides| {
            Job::parse_with(JOB, Path::new("jobs/test.yaml"), &|_| None, &overrides).unwrap_err().to_string()
        };
        assert!(
            err(Overrides { start: Some("yesterday".into()), ..Overrides::default() })
                .starts_with("jobs/test.yaml: --start: invalid timestamp \"yesterday\""),
        );
        assert!(
            err(Overrides { end: Some("2017-01-01".into()), ..Overrides::default() })
                .contains("start/--end: start 2018-01-01T00:00:00Z is after end")
        );
        assert_eq!(
            err(Overrides { symbols: Some(vec![]), ..Overrides::default() }),
            "jobs/test.yaml: --symbols: empty list (expected at least one symbol)"
        );
        assert!(
            err(Overrides { as_of: Some("2018-01-15".into()), ..Overrides::default() })
                .contains("as-of time 2018-01-15T00:00:00Z is before the window's end")
        );
    }

    #[test]
    fn errors_name_the_file_and_field() {
        let err = |text: &str| parse(text, &[]).unwrap_err().to_string();
        assert!(
            err(&JOB.replace("1h", "1H")).starts_with("jobs/test.yaml: timeframe: unknown timeframe \"1H\"")
        );
        let unknown = err(&format!("{JOB}colour: red\n"));
        assert!(unknown.contains("unknown field `colour`") && unknown.contains(" at line "), "{unknown}");
        assert_eq!(
            err(&format!("database:\n  url: ${{NOPE}}\n{JOB}")),
            "jobs/test.yaml: environment variable NOPE is not set and has no default"
        );
        assert!(
            err(&JOB.replace("2018-02-01", "2017-02-01"))
                .contains("start/end: start 2018-01-01T00:00:00Z is after end")
        );
        assert!(
            err(&format!("{JOB}as_of: 2018-01-15\n"))
                .contains("as-of time 2018-01-15T00:00:00Z is before the window's end 2018-02-01T00:00:00Z")
        );
        assert!(
            err(&JOB.replace("2018-01-01", "01/01/2018")).contains("start: invalid timestamp \"01/01/2018\"")
        );
        assert!(err("symbols: [\n").starts_with("jobs/test.yaml: "), "a YAML syntax error");
    }

    #[test]
    fn an_output_in_object_storage_takes_its_options_from_storage_with_variables() {
        let text = JOB.replace("output: out", "output: s3://bucket/runs/fx")
            + "storage:\n  aws_secret_access_key: ${S3_SECRET}\n  aws_allow_http: true\n";
        let job = parse(&text, &[("S3_SECRET", "s3cr3t-canary")]).unwrap();
        let remote = job.remote.as_ref().expect("an object store");
        assert_eq!(remote.url(), "s3://bucket/runs/fx");
        assert_eq!(job.output, Path::new("s3://bucket/runs/fx"), "messages name the URL");
        assert!(!format!("{job:?}").contains("s3cr3t-canary"), "the job's Debug shows no credential");

        let local = |flag: &str| {
            let overrides = Overrides { output: Some(flag.into()), ..Overrides::default() };
            Job::parse_with(&text, Path::new("jobs/test.yaml"), &|_| Some("x".into()), &overrides)
        };
        let err = local("elsewhere/out").unwrap_err().to_string();
        assert!(err.starts_with("jobs/test.yaml: storage: given, but --output is a folder"), "{err}");
        let job = Job::parse_with(
            JOB,
            Path::new("jobs/test.yaml"),
            &|_| None,
            &Overrides { output: Some("file:///data/out".into()), ..Overrides::default() },
        )
        .unwrap();
        assert_eq!((job.output.as_path(), job.remote.is_none()), (Path::new("/data/out"), true));

        let bad = |text: String| parse(&text, &[]).unwrap_err().to_string();
        let err = bad(JOB.replace("output: out", "output: s3://bucket/p") + "storage:\n  aws_secret: x\n");
        assert!(
            err.starts_with("jobs/test.yaml: storage.aws_secret: not an option of the S3 client"),
            "{err}"
        );
        let err = bad(JOB.replace("output: out", "output: ftp://host/p"));
        assert!(err.starts_with("jobs/test.yaml: output: scheme ftp:// is not an output"), "{err}");
    }
}
