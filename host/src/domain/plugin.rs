//! What plugins describe, are given and return, as host types (the Wasm bindings convert to
//! and from these in `runtime/convert.rs`).

use std::fmt;

use super::{ScopedInput, Symbol, TimeRange, Timeframe, Timestamp};

/// A parameter value; its case is its type.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    Int(i64),
    Float(f64),
    Text(String),
    Boolean(bool),
}

impl ParamValue {
    pub fn type_name(&self) -> &'static str {
        match self {
            ParamValue::Int(_) => "int",
            ParamValue::Float(_) => "float",
            ParamValue::Text(_) => "text",
            ParamValue::Boolean(_) => "boolean",
        }
    }
}

impl From<i64> for ParamValue {
    fn from(value: i64) -> Self {
        ParamValue::Int(value)
    }
}

impl From<i32> for ParamValue {
    fn from(value: i32) -> Self {
        ParamValue::Int(value.into())
    }
}

impl From<f64> for ParamValue {
    fn from(value: f64) -> Self {
        ParamValue::Float(value)
    }
}

impl From<&str> for ParamValue {
    fn from(value: &str) -> Self {
        ParamValue::Text(value.to_owned())
    }
}

impl From<String> for ParamValue {
    fn from(value: String) -> Self {
        ParamValue::Text(value)
    }
}

impl From<bool> for ParamValue {
    fn from(value: bool) -> Self {
        ParamValue::Boolean(value)
    }
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Int(v) => write!(f, "{v}"),
            ParamValue::Float(v) => write!(f, "{v}"),
            ParamValue::Text(v) => write!(f, "{v:?}"),
            ParamValue::Boolean(v) => write!(f, "{v}"),
        }
    }
}

/// A parameter a plugin accepts.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamSpec {
    pub name: String,
    pub default: ParamValue,
    pub description: String,
}

/// Which world a plugin implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PluginKind {
    /// Returns feature columns aligned to the unit's bars.
    FeatureBuilder,
    /// Returns a series of its own timestamps.
    Sampler,
    /// Returns, for a window over all of a job's symbols, a row per (symbol, bar).
    CrossSection,
}

impl fmt::Display for PluginKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PluginKind::FeatureBuilder => "feature-builder",
            PluginKind::Sampler => "sampler",
            PluginKind::CrossSection => "cross-section",
        })
    }
}

/// The contract version a plugin was built against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Contract {
    /// `candlewick:market-data@0.1.0`: a fixed warm-up, the unit's own series only.
    V0_1,
    /// `candlewick:market-data@0.2.0`: a plan per parameter set, several inputs, the aligned read,
    /// the cross-section world.
    V0_2,
}

impl fmt::Display for Contract {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Contract::V0_1 => "candlewick:market-data@0.1.0",
            Contract::V0_2 => "candlewick:market-data@0.2.0",
        })
    }
}

/// What a plugin says about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct PluginInfo {
    pub name: String,
    pub version: String,
    pub description: String,
    pub params: Vec<ParamSpec>,
    pub outputs: Vec<String>,
}

/// One unit of work: a plugin over one symbol and window.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitOfWork {
    pub symbol: Symbol,
    pub timeframe: Timeframe,
    /// The window output is produced for.
    pub window: TimeRange,
    /// The earliest instant the plugin may read of its own series (the window's start less the
    /// warm-up), where a sampler's rows may start.
    pub warm_up_from: Timestamp,
    /// The latest instant the plugin may read.
    pub as_of: Timestamp,
    /// What it may read: its plan's inputs, scoped to this unit, in the plan's order.
    pub inputs: Vec<ScopedInput>,
    /// Every parameter, defaults filled in.
    pub params: Vec<(String, ParamValue)>,
}

/// One unit of work of a cross-section plugin: a window over all of a job's symbols.
#[derive(Debug, Clone, PartialEq)]
pub struct CrossSectionUnit {
    /// The job's symbols, in byte order.
    pub symbols: Vec<Symbol>,
    /// The rows' timeframe.
    pub timeframe: Timeframe,
    pub window: TimeRange,
    /// The latest instant the plugin may read: the window's end.
    pub as_of: Timestamp,
    /// What it may read: its plan's inputs, scoped to this unit, in the plan's order.
    pub inputs: Vec<ScopedInput>,
    /// Every parameter, defaults filled in.
    pub params: Vec<(String, ParamValue)>,
}

/// The values of one output column.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnValues {
    Float(Vec<f64>),
    Int(Vec<i64>),
}

impl ColumnValues {
    pub fn len(&self) -> usize {
        match self {
            ColumnValues::Float(v) => v.len(),
            ColumnValues::Int(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// An empty column of the same type.
    pub fn empty_like(&self) -> ColumnValues {
        match self {
            ColumnValues::Float(_) => ColumnValues::Float(Vec::new()),
            ColumnValues::Int(_) => ColumnValues::Int(Vec::new()),
        }
    }

    /// Appends `from`'s value at `row`; a column of the other type is left as it is (callers pair
    /// columns made by [`empty_like`](Self::empty_like)).
    pub fn push_from(&mut self, from: &ColumnValues, row: usize) {
        match (self, from) {
            (ColumnValues::Float(to), ColumnValues::Float(from)) => to.push(from[row]),
            (ColumnValues::Int(to), ColumnValues::Int(from)) => to.push(from[row]),
            _ => {}
        }
    }
}

/// What a plugin returns: timestamps (µs, UTC) and named columns of the same length.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub ts: Vec<i64>,
    pub columns: Vec<(String, ColumnValues)>,
}

impl Table {
    /// Checks the shape every plugin's output must have: strictly ascending timestamps, columns
    /// of the table's length with unique names. The message names the first problem.
    pub fn check_shape(&self) -> Result<(), String> {
        if let Some(i) = self.ts.windows(2).position(|w| w[0] >= w[1]) {
            return Err(format!(
                "timestamps not strictly ascending at row {} ({} then {})",
                i + 1,
                Timestamp::from_micros(self.ts[i]),
                Timestamp::from_micros(self.ts[i + 1])
            ));
        }
        for (i, (name, values)) in self.columns.iter().enumerate() {
            if values.len() != self.ts.len() {
                return Err(format!(
                    "column {name:?} has {} values (expected {}, one per timestamp)",
                    values.len(),
                    self.ts.len()
                ));
            }
            if self.columns[..i].iter().any(|(other, _)| other == name) {
                return Err(format!("column {name:?} appears twice"));
            }
            if name == "ts" {
                return Err("column name \"ts\" is reserved for the timestamp column".to_owned());
            }
        }
        Ok(())
    }
}
