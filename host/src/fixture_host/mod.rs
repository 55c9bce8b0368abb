//! The fixture host: a plugin run over fixture bars, with no database, through the same contract,
//! runtime and scope as a job. It serves `candlewick test` and the `candlewick-plugin-test` crate
//! Rust plugin authors call from `cargo test`.
//!
//! - this module: one run (which series, which window, which parameters);
//! - `expected.rs`: an expected-output file, compared at a tolerance, differences side by side;
//! - `scenario.rs`: a scenario folder (plugin, fixture, parameters, expected output or error).

mod expected;
mod scenario;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use thiserror::Error;

use crate::bars_file::{BarFileError, FileDefaults};
use crate::domain::{
    AvailabilityEntry, Plan, PluginKind, ReadError, Symbol, TimeRange, Timeframe, Timestamp, UnitOfWork,
};
use crate::reader::{MarketDataReader, MemoryMarketDataReader};
use crate::runtime::{Plugin, UnitFailure, UnitOutput};
use crate::unit;

pub use expected::{Comparison, Expected, ExpectedError, Tolerance};
pub use scenario::{Scenario, ScenarioError, ScenarioOutcome};

/// Which unit of work to run. Everything left out comes from the fixture: its only series, all
/// of its bars as the window, as-of at the window's end, the plugin's default parameters.
#[derive(Debug, Clone, Default)]
pub struct FixtureRequest {
    pub symbol: Option<Symbol>,
    pub timeframe: Option<Timeframe>,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    pub as_of: Option<Timestamp>,
    /// Parameters by name, as a job file spells them; checked against what the plugin declares.
    pub params: BTreeMap<String, serde_norway::Value>,
}

/// Why a fixture run did not produce a table.
#[derive(Debug, Error)]
pub enum FixtureError {
    /// The request does not fit the fixture or the plugin (no such series, unknown parameter).
    #[error("{0}")]
    Request(String),
    #[error("reading the fixture")]
    Read(#[from] ReadError),
    /// The plugin trapped, returned an error or returned a malformed table.
    #[error(transparent)]
    Unit(#[from] UnitFailure),
}

/// Fixture bars served from memory, as the reader port serves them from PostgreSQL.
#[derive(Debug, Clone)]
pub struct FixtureHost {
    reader: Arc<MemoryMarketDataReader>,
}

impl FixtureHost {
    pub fn new(reader: MemoryMarketDataReader) -> Self {
        FixtureHost { reader: Arc::new(reader) }
    }

    /// Bars from a CSV or Parquet file, validated as `candlewick ingest` validates it. A file
    /// without a symbol or timeframe column takes the request's.
    pub fn from_file(path: &Path, request: &FixtureRequest) -> Result<Self, BarFileError> {
        let defaults = FileDefaults {
            symbol: request.symbol.clone(),
            timeframe: request.timeframe,
            only_where_missing: true,
        };
        Ok(Self::new(MemoryMarketDataReader::from_file(path, &defaults)?))
    }

    pub fn reader(&self) -> &MemoryMarketDataReader {
        &self.reader
    }

    /// The unit of work `request` names, with the fixture's defaults filled in.
    pub fn unit(&self, plugin: &Plugin, request: &FixtureRequest) -> Result<UnitOfWork, FixtureError> {
        let series = self.series(request)?;
        let (Some(earliest), Some(latest)) = (series.availability.earliest, series.availability.latest)
        else {
            unreachable!("the summary lists only series with bars");
        };
        let end = request.end.unwrap_or(latest);
        let window = TimeRange::new(request.start.unwrap_or(earliest), end)
            .map_err(|err| FixtureError::Request(format!("the window: {err}")))?;
        let as_of =
            unit::as_of(window, request.as_of).map_err(|err| FixtureError::Request(err.to_string()))?;
        let info = plugin.info();
        let params = unit::resolve_params(info, &request.params)
            .map_err(|err| FixtureError::Request(format!("plugin {}: {err}", info.name)))?;
        let plan = self.plan(plugin, &params, series.timeframe)?;
        Ok(unit::unit_of_work(
            &*self.reader,
            &series.symbol,
            &self.symbols_at(series.timeframe)?,
            series.timeframe,
            window,
            as_of,
            &plan,
            params,
        )?)
    }

    /// Runs `plugin` over the unit `request` names, in a fresh store, as a job would. A
    /// cross-section plugin runs over every symbol the fixture holds at the unit's timeframe, and
    /// the requested symbol's rows are its output.
    pub fn run(&self, plugin: &Plugin, request: &FixtureRequest) -> Result<UnitOutput, FixtureError> {
        let unit = self.unit(plugin, request)?;
        let reader = Arc::clone(&self.reader) as Arc<dyn MarketDataReader>;
        if plugin.kind() != PluginKind::CrossSection {
            return Ok(plugin.run(reader, &unit)?);
        }
        let symbols = self.symbols_at(unit.timeframe)?;
        let plan = self.plan(plugin, &unit.params, unit.timeframe)?;
        let cross_section = unit::cross_section_unit(
            &*self.reader,
            &symbols,
            unit.timeframe,
            unit.window,
            &plan,
            unit.params,
        )?;
        let output = plugin.run_cross_section(reader, &cross_section)?;
        let table = output
            .tables
            .into_iter()
            .find(|(symbol, _)| *symbol == unit.symbol)
            .map(|(_, table)| table)
            .unwrap_or_default();
        Ok(UnitOutput { table, rows_read: output.rows_read })
    }

    /// The fixture's bars, as the port a run reads them through.
    pub fn shared_reader(&self) -> Arc<dyn MarketDataReader> {
        Arc::clone(&self.reader) as Arc<dyn MarketDataReader>
    }

    /// The plugin's plan for `params`, checked against the fixture as a job checks it.
    pub fn plan(
        &self,
        plugin: &Plugin,
        params: &[(String, crate::domain::ParamValue)],
        timeframe: Timeframe,
    ) -> Result<Plan, FixtureError> {
        let plan = plugin.plan(params).map_err(|err| FixtureError::Request(err.to_string()))?;
        unit::check_plan(&*self.reader, &plan, timeframe, plugin.limits().warm_up_bars)
            .map_err(|err| FixtureError::Request(format!("plugin {}: {err}", plugin.info().name)))?;
        Ok(plan)
    }

    /// The fixture's symbols with bars at `timeframe`: a fixture run's "every symbol of the job".
    pub fn symbols_at(&self, timeframe: Timeframe) -> Result<Vec<Symbol>, FixtureError> {
        Ok(self
            .reader
            .summary()?
            .into_iter()
            .filter(|e| e.timeframe == timeframe)
            .map(|e| e.symbol)
            .collect())
    }

    /// The one series of the fixture that matches the request.
    fn series(&self, request: &FixtureRequest) -> Result<AvailabilityEntry, FixtureError> {
        let all = self.reader.summary()?;
        let matching: Vec<&AvailabilityEntry> = all
            .iter()
            .filter(|e| request.symbol.as_ref().is_none_or(|s| *s == e.symbol))
            .filter(|e| request.timeframe.is_none_or(|t| t == e.timeframe))
            .collect();
        let held = || {
            let list: Vec<String> = all.iter().map(|e| format!("{} {}", e.symbol, e.timeframe)).collect();
            if list.is_empty() { "no bars".to_owned() } else { list.join(", ") }
        };
        match matching.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(FixtureError::Request(format!(
                "the fixture has no bars for {} {} (it holds {})",
                request.symbol.as_ref().map_or("any symbol", |s| s.as_str()),
                request.timeframe.map_or("in any timeframe", |t| t.as_str()),
                held()
            ))),
            _ => Err(FixtureError::Request(format!(
                "the fixture holds several series ({}): name one with a symbol and a timeframe",
                held()
            ))),
        }
    }
}
