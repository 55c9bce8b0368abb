//! A scenario folder: a plugin run over a fixture with given parameters, and what must come of
//! it: an expected output (`expected.csv`), an expected error (`expected-error.txt`, text the
//! failure must contain), or both (the comparison itself must fail with that text).
//!
//! ```yaml
//! # tests/scenarios/<name>/scenario.yaml; paths are relative to this folder
//! plugin: ../../../target/plugins/indicators.wasm
//! fixture: bars.csv            # CSV or Parquet, as `candlewick ingest` reads it
//! params: {sma_period: 30}     # optional; the plugin's defaults fill in the rest
//! tolerance: 1e-9              # optional; see `Tolerance`
//! # optional: symbol, timeframe (default: the fixture's only series), start, end (default: its
//! # first and last bar), as_of (default: end)
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use thiserror::Error;

use super::{Expected, FixtureHost, FixtureRequest, Tolerance};
use crate::domain::{Symbol, Timeframe, Timestamp, error_chain};
use crate::runtime::Plugin;

pub const SCENARIO_FILE: &str = "scenario.yaml";
pub const EXPECTED_FILE: &str = "expected.csv";
pub const EXPECTED_ERROR_FILE: &str = "expected-error.txt";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    plugin: PathBuf,
    fixture: PathBuf,
    #[serde(default)]
    params: BTreeMap<String, serde_norway::Value>,
    symbol: Option<String>,
    timeframe: Option<String>,
    start: Option<String>,
    end: Option<String>,
    as_of: Option<String>,
    tolerance: Option<f64>,
}

/// A scenario folder that cannot be used; the message names the file and the field.
#[derive(Debug, Error)]
#[error("{}: {message}", path.display())]
pub struct ScenarioError {
    pub path: PathBuf,
    pub message: String,
}

/// A loaded scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub dir: PathBuf,
    pub plugin: PathBuf,
    pub fixture: PathBuf,
    pub request: FixtureRequest,
    pub tolerance: Tolerance,
    pub expected: Option<PathBuf>,
    pub expected_error: Option<String>,
}

/// How a scenario ended, with a line (or a diff) saying why.
#[derive(Debug, Clone, PartialEq)]
pub enum ScenarioOutcome {
    Passed(String),
    Failed(String),
}

impl Scenario {
    pub fn load(dir: &Path) -> Result<Scenario, ScenarioError> {
        let path = dir.join(SCENARIO_FILE);
        let error = |message: String| ScenarioError { path: path.clone(), message };
        let text = std::fs::read_to_string(&path).map_err(|err| error(format!("cannot read it: {err}")))?;
        let file: ScenarioFile = serde_norway::from_str(&text).map_err(|err| error(err.to_string()))?;
        let timestamp = |field: &str, text: &Option<String>| {
            text.as_deref()
                .map(|t| Timestamp::parse(t).map_err(|err| error(format!("{field}: {err}"))))
                .transpose()
        };
        let request = FixtureRequest {
            symbol: file
                .symbol
                .map(Symbol::new)
                .transpose()
                .map_err(|err| error(format!("symbol: {err}")))?,
            timeframe: file
                .timeframe
                .map(|t| t.parse::<Timeframe>())
                .transpose()
                .map_err(|err| error(format!("timeframe: {err}")))?,
            start: timestamp("start", &file.start)?,
            end: timestamp("end", &file.end)?,
            as_of: timestamp("as_of", &file.as_of)?,
            params: file.params,
        };
        let tolerance = match file.tolerance {
            Some(t) if !(t >= 0.0 && t.is_finite()) => {
                return Err(error(format!("tolerance: expected a finite number >= 0, got {t}")));
            }
            t => t.map_or_else(Tolerance::default, Tolerance),
        };
        let expected = Some(dir.join(EXPECTED_FILE)).filter(|p| p.is_file());
        let expected_error_path = dir.join(EXPECTED_ERROR_FILE);
        let expected_error = match std::fs::read_to_string(&expected_error_path) {
            Ok(text) if text.trim().is_empty() => {
                return Err(ScenarioError {
                    path: expected_error_path,
                    message: "is empty (expected the text the error must contain)".into(),
                });
            }
            Ok(text) => Some(text.trim().to_owned()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
            Err(err) => return Err(ScenarioError { path: expected_error_path, message: err.to_string() }),
        };
        if expected.is_none() && expected_error.is_none() {
            return Err(error(format!(
                "the folder has neither {EXPECTED_FILE} nor {EXPECTED_ERROR_FILE}: nothing to check"
            )));
        }
        Ok(Scenario {
            dir: dir.to_owned(),
            plugin: dir.join(file.plugin),
            fixture: dir.join(file.fixture),
            request,
            tolerance,
            expected,
            expected_error,
        })
    }

    /// Runs the scenario; `load` gives the plugin at a path (a caller running many scenarios
    /// loads each plugin once).
    pub fn run(&self, load: &mut dyn FnMut(&Path) -> anyhow::Result<Arc<Plugin>>) -> ScenarioOutcome {
        let attempt = self.attempt(load);
        match (attempt, &self.expected_error) {
            (Ok(summary), None) => ScenarioOutcome::Passed(summary),
            (Ok(summary), Some(text)) => ScenarioOutcome::Failed(format!(
                "expected an error containing {text:?}, but the run succeeded: {summary}"
            )),
            (Err(message), None) => ScenarioOutcome::Failed(message),
            (Err(message), Some(text)) if message.contains(text.as_str()) => ScenarioOutcome::Passed(
                format!("failed as expected: {}", message.lines().next().unwrap_or_default()),
            ),
            (Err(message), Some(text)) => {
                ScenarioOutcome::Failed(format!("expected an error containing {text:?}, got: {message}"))
            }
        }
    }

    fn attempt(&self, load: &mut dyn FnMut(&Path) -> anyhow::Result<Arc<Plugin>>) -> Result<String, String> {
        let plugin = load(&self.plugin).map_err(|err| format!("{err:#}"))?;
        let host = FixtureHost::from_file(&self.fixture, &self.request)
            .map_err(|err| format!("{:#}", anyhow::Error::from(err)))?;
        let output = host.run(&plugin, &self.request).map_err(|err| error_chain(&err))?;
        let Some(path) = &self.expected else {
            return Ok(format!("{} rows", output.table.ts.len()));
        };
        let comparison = Expected::load(path)
            .and_then(|expected| expected.compare(&output.table, self.tolerance))
            .map_err(|err| format!("{:#}", anyhow::Error::from(err)))?;
        if comparison.matched() { Ok(comparison.to_string()) } else { Err(comparison.to_string()) }
    }
}
