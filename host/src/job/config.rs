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
//! symbols: [EURUSD]
//! timeframe: 1h
//! start: 2018-01-01
//! end: 2018-12-31T23:00:00Z
//! as_of: 2018-12-31T23:00:00Z   # default: end
//! output: out/eurusd
//! plugins:
//!   - path: plugins/target/wasm32-wasip2/release/indicators.wasm
//!     params: { sma_period: 30 }
//! ```
//! Relative paths are taken from the job file's folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::interpolate::interpolate;
use crate::domain::{SymbolSet, TimeRange, Timeframe, Timestamp};
use crate::pg::ConnectionSettings;
use crate::reader::DEFAULT_BATCH_ROWS;
use crate::runtime::RuntimeLimits;

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
    plugins: Vec<PluginSection>,
    #[serde(default)]
    limits: LimitsSection,
    cache_dir: Option<PathBuf>,
    #[serde(default)]
    fail_fast: bool,
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
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PluginSection {
    path: PathBuf,
    #[serde(default)]
    params: BTreeMap<String, serde_yaml::Value>,
    warm_up_bars: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsSection {
    memory_mb: Option<usize>,
    call_timeout_secs: Option<u64>,
    rows_per_call: Option<usize>,
    batch_rows: Option<usize>,
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
    pub params: BTreeMap<String, serde_yaml::Value>,
    /// Overrides the warm-up the plugin describes: `describe` sees no parameters, so a longer
    /// look-back than the defaults' (an SMA of 200) needs it said here.
    pub warm_up_bars: Option<u32>,
}

/// A validated job.
#[derive(Debug, Clone)]
pub struct Job {
    pub source: Source,
    pub symbols: SymbolSet,
    pub timeframe: Timeframe,
    pub window: TimeRange,
    pub as_of: Timestamp,
    pub output: PathBuf,
    pub plugins: Vec<PluginJob>,
    pub limits: RuntimeLimits,
    pub cache_dir: Option<PathBuf>,
    pub fail_fast: bool,
    /// Units run at once; default: the machine's cores.
    pub workers: usize,
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
        let text = std::fs::read_to_string(path)
            .map_err(|err| JobError { path: path.into(), message: err.to_string() })?;
        Job::parse(&text, path, &|name| std::env::var(name).ok())
    }

    /// Parses job text; `path` names it in errors and anchors relative paths.
    pub fn parse(text: &str, path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Job, JobError> {
        let fail = |message: String| JobError { path: path.into(), message };
        let mut value: serde_yaml::Value = serde_yaml::from_str(text).map_err(|err| fail(err.to_string()))?;
        interpolate_strings(&mut value, env).map_err(fail)?;
        let file: JobFile = serde_yaml::from_value(value).map_err(|err| fail(err.to_string()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        file.validate(base).map_err(fail)
    }
}

/// Interpolates every string; a string that came from a variable and reads as a number or a
/// boolean becomes one, so `port: ${DB_PORT:5432}` is a port.
fn interpolate_strings(
    value: &mut serde_yaml::Value,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(), String> {
    match value {
        serde_yaml::Value::String(text) if text.contains("${") => {
            let replaced = interpolate(text, env)?;
            *value = match serde_yaml::from_str::<serde_yaml::Value>(&replaced) {
                Ok(scalar @ (serde_yaml::Value::Number(_) | serde_yaml::Value::Bool(_))) => scalar,
                _ => serde_yaml::Value::String(replaced),
            };
        }
        serde_yaml::Value::Sequence(items) => {
            items.iter_mut().try_for_each(|item| interpolate_strings(item, env))?
        }
        serde_yaml::Value::Mapping(map) => {
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
    fn validate(self, base: &Path) -> Result<Job, String> {
        let resolve = |p: &Path| if p.is_absolute() { p.to_owned() } else { normalize(&base.join(p)) };
        let source = match (self.database, self.fixture) {
            (Some(_), Some(_)) => {
                return Err("both database and fixture are given (expected at most one)".into());
            }
            (Some(db), None) => Source::Database(Box::new(db.settings()?)),
            (None, Some(fixture)) => Source::Fixture(resolve(&fixture)),
            (None, None) => Source::Embedded,
        };
        if self.symbols.is_empty() {
            return Err("symbols: empty list (expected at least one symbol)".into());
        }
        let symbols = SymbolSet::parse(&self.symbols).map_err(|err| format!("symbols: {err}"))?;
        let timeframe: Timeframe = self.timeframe.parse().map_err(|err| format!("timeframe: {err}"))?;
        let (start, end) = (timestamp("start", &self.start)?, timestamp("end", &self.end)?);
        let window = TimeRange::new(start, end).map_err(|err| format!("start/end: {err}"))?;
        let as_of = match &self.as_of {
            Some(text) => timestamp("as_of", text)?,
            None => end,
        };
        if as_of < end {
            return Err(format!("as_of {as_of} is before end {end} (expected as_of >= end)"));
        }
        if self.plugins.is_empty() {
            return Err("plugins: empty list (expected at least one plugin)".into());
        }
        let plugins = self
            .plugins
            .into_iter()
            .map(|p| PluginJob { path: resolve(&p.path), params: p.params, warm_up_bars: p.warm_up_bars })
            .collect();
        let defaults = RuntimeLimits::default();
        let mut limits = RuntimeLimits {
            memory_bytes: self.limits.memory_mb.map_or(defaults.memory_bytes, |mb| mb << 20),
            call_timeout: self.limits.call_timeout_secs.map_or(defaults.call_timeout, Duration::from_secs),
            rows_per_call: self.limits.rows_per_call.unwrap_or(defaults.rows_per_call),
            batch_rows: self.limits.batch_rows.unwrap_or(DEFAULT_BATCH_ROWS),
            max_instances: defaults.max_instances,
        };
        let workers = match self.workers {
            Some(0) => return Err("workers: 0 (expected at least 1)".into()),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        // Each worker holds one instance; describing plugins at load needs a few more.
        limits.max_instances =
            u32::try_from(workers).unwrap_or(u32::MAX / 2).saturating_mul(2).saturating_add(4);
        if limits.batch_rows == 0 {
            return Err("limits.batch_rows: 0 (expected at least 1)".into());
        }
        Ok(Job {
            source,
            symbols,
            timeframe,
            window,
            as_of,
            output: resolve(&self.output),
            plugins,
            limits,
            cache_dir: self.cache_dir.map(|p| resolve(&p)),
            fail_fast: self.fail_fast,
            workers,
        })
    }
}

impl DatabaseSection {
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
        let mut config = postgres::Config::new();
        config.host(self.host.as_deref().unwrap_or("localhost")).port(self.port.unwrap_or(5432));
        config.dbname(
            self.database.as_deref().ok_or("database.database: missing (expected the database name)")?,
        );
        config.user(self.username.as_deref().ok_or("database.username: missing (expected a user name)")?);
        if let Some(password) = self.password.as_deref().filter(|p| !p.is_empty()) {
            config.password(password);
        }
        Ok(ConnectionSettings::from_config(config))
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
        let job = parse(JOB, &[]).unwrap();
        assert!(matches!(job.source, Source::Embedded));
        assert_eq!(job.plugins[0].path, Path::new("jobs/p.wasm"));
        assert_eq!(job.output, Path::new("jobs/out"));
        let job = parse(&JOB.replace("output: out", "output: ../../target/x"), &[]).unwrap();
        assert_eq!(job.output, Path::new("../target/x"), "jobs/../../target/x, normalised");
        assert_eq!(job.as_of, job.window.end(), "as_of defaults to end");
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
    fn errors_name_the_file_and_field() {
        let err = |text: &str| parse(text, &[]).unwrap_err().to_string();
        assert!(
            err(&JOB.replace("1h", "1H")).starts_with("jobs/test.yaml: timeframe: unknown timeframe \"1H\"")
        );
        assert!(err(&format!("{JOB}colour: red\n")).contains("unknown field `colour`"));
        assert_eq!(
            err(&format!("database:\n  url: ${{NOPE}}\n{JOB}")),
            "jobs/test.yaml: environment variable NOPE is not set and has no default"
        );
        assert!(
            err(&JOB.replace("2018-02-01", "2017-02-01"))
                .contains("start/end: start 2018-01-01T00:00:00Z is after end")
        );
        assert!(
            err(&format!("{JOB}as_of: 2018-01-15\n")).contains("as_of 2018-01-15T00:00:00Z is before end")
        );
        assert!(
            err(&JOB.replace("2018-01-01", "01/01/2018")).contains("start: invalid timestamp \"01/01/2018\"")
        );
        assert!(err("symbols: [\n").starts_with("jobs/test.yaml: "), "a YAML syntax error");
    }
}
