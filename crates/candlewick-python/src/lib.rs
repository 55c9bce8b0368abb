//! `candlewick._native`: the host as a Python extension module. The pure-Python package in
//! `python/candlewick/` is its public face (argument conversion, docs); this module does the work:
//!
//! - [`run`]: a plugin over bars handed in as an Arrow C stream, through the fixture host — the
//!   same runtime, scope and limits as a job, served from memory;
//! - [`read`]: a job output's dataset, the files the manifest lists as current, as one table.
//!
//! Tables cross in both directions through the Arrow C stream interface (`__arrow_c_stream__`, the
//! Arrow PyCapsule protocol), so pyarrow, pandas and polars hand over their columns without a copy
//! or a CSV round trip. Errors are the host's messages, raised as `candlewick.CandlewickError`
//! subclasses.

// The Arrow C stream interface is a C ABI: taking a stream out of a capsule and handing one back
// are the two unsafe operations here, each with its invariant stated where it happens.
#![allow(unsafe_code, reason = "the Arrow C stream interface crosses a C ABI (see take_stream)")]

use std::collections::BTreeMap;
use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use arrow::array::{RecordBatch, RecordBatchIterator, RecordBatchReader};
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use arrow::ffi_stream::{FFI_ArrowArrayStream, RecordBatchStreamReader};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyCapsule, PyDict, PyFloat, PyInt, PyString};

use candlewick::bars_file::{self, BarFileError, BarRecord, FileDefaults, Location};
use candlewick::domain::{Symbol, Timeframe, Timestamp};
use candlewick::fixture_host::{FixtureError, FixtureHost, FixtureRequest};
use candlewick::job::Manifest;
use candlewick::reader::MemoryMarketDataReader;
use candlewick::runtime::{PluginRuntime, RuntimeLimits};

pyo3::create_exception!(
    candlewick,
    CandlewickError,
    pyo3::exceptions::PyException,
    "A Candlewick error: the message is the host's."
);
pyo3::create_exception!(
    candlewick,
    BarsError,
    CandlewickError,
    "The bars handed to `run` are not valid bars (the row and field are named)."
);
pyo3::create_exception!(
    candlewick,
    PluginError,
    CandlewickError,
    "The plugin failed: it trapped, hit a limit, returned an error or a malformed table."
);

/// The name the Arrow PyCapsule protocol gives a stream's capsule.
const STREAM_CAPSULE: &std::ffi::CStr = c"arrow_array_stream";

/// What stands for the bars in messages, where a file's path would.
const BARS_NAME: &str = "bars";

/// One runtime per process: its compiled-component cache and engine are shared by every call.
fn runtime() -> PyResult<&'static PluginRuntime> {
    static RUNTIME: OnceLock<Result<PluginRuntime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            PluginRuntime::new(candlewick::runtime::default_cache_dir().as_deref(), RuntimeLimits::default())
                .map_err(chain)
        })
        .as_ref()
        .map_err(|message| CandlewickError::new_err(message.clone()))
}

/// Runs the plugin at `plugin` over `bars` (an object with `__arrow_c_stream__`) and returns its
/// output as an object with `__arrow_c_stream__`. `start`, `end` and `as_of` are timestamps as the
/// command line takes them; `params` maps names to bool, int, float or str.
#[pyfunction]
#[pyo3(signature = (plugin, bars, params, symbol=None, timeframe=None, start=None, end=None, as_of=None))]
#[expect(clippy::too_many_arguments, reason = "the keyword arguments of `candlewick.run`")]
fn run(
    py: Python<'_>,
    plugin: PathBuf,
    bars: &Bound<'_, PyAny>,
    params: &Bound<'_, PyDict>,
    symbol: Option<String>,
    timeframe: Option<String>,
    start: Option<String>,
    end: Option<String>,
    as_of: Option<String>,
) -> PyResult<ArrowStream> {
    let request = FixtureRequest {
        symbol: symbol.as_deref().map(parse::<Symbol>("symbol")).transpose()?,
        timeframe: timeframe.as_deref().map(parse::<Timeframe>("timeframe")).transpose()?,
        start: start.as_deref().map(parse::<Timestamp>("start")).transpose()?,
        end: end.as_deref().map(parse::<Timestamp>("end")).transpose()?,
        as_of: as_of.as_deref().map(parse::<Timestamp>("as_of")).transpose()?,
        params: yaml_params(params)?,
    };
    let stream = take_stream(bars)?;
    let runtime = runtime()?;
    // Reading the bars and running the plugin hold no Python object: other threads run meanwhile.
    let batch = py.detach(move || -> Result<RecordBatch, PyErr> {
        let records = bar_records(stream, &request)?;
        let host = FixtureHost::new(MemoryMarketDataReader::from_records(records));
        let plugin = runtime.load(&plugin).map_err(|err| CandlewickError::new_err(chain(err)))?;
        let output = host.run(&plugin, &request).map_err(|err| match err {
            FixtureError::Unit(failure) => PluginError::new_err(failure.to_string()),
            other => CandlewickError::new_err(chain(other)),
        })?;
        candlewick::output::record_batch(output.table)
            .map_err(|err| CandlewickError::new_err(format!("the plugin's table: {err}")))
    })?;
    Ok(ArrowStream::of_batches(batch.schema(), vec![batch]))
}

/// The current files of dataset `name` in the job output `output`, as the manifests list them
/// (every shard's, when the job ran in shards), read as one table with a `symbol` column.
#[pyfunction]
fn read(py: Python<'_>, output: PathBuf, name: String) -> PyResult<ArrowStream> {
    py.detach(move || -> PyResult<ArrowStream> {
        let manifests = Manifest::read_all(&output).map_err(CandlewickError::new_err)?;
        if manifests.is_empty() {
            return Err(CandlewickError::new_err(format!(
                "{}: no manifest (expected the output folder of `candlewick run`)",
                output.display()
            )));
        }
        let mut files: Vec<(String, PathBuf)> = Vec::new();
        let mut names: Vec<String> = Vec::new();
        for (_, manifest) in &manifests {
            names.extend(manifest.datasets.keys().cloned());
            if manifest.dataset(&name).is_none() {
                continue;
            }
            for unit in manifest.units.iter().filter(|u| u.dataset == name) {
                if let Some(file) = &unit.file {
                    files.push((unit.symbol.clone(), output.join(file)));
                }
            }
        }
        if !names.contains(&name) {
            names.sort();
            names.dedup();
            return Err(CandlewickError::new_err(format!(
                "{}: no dataset {name:?} (the manifest lists {})",
                output.display(),
                names.join(", ")
            )));
        }
        files.sort();
        let batches = files
            .iter()
            .map(|(symbol, path)| read_unit_file(symbol, path))
            .collect::<Result<Vec<_>, _>>()
            .map_err(CandlewickError::new_err)?;
        let Some(first) = batches.first() else {
            return Err(CandlewickError::new_err(format!(
                "{}: dataset {name:?} has no files (no unit of it finished)",
                output.display()
            )));
        };
        Ok(ArrowStream::of_batches(first.schema(), batches))
    })
}

/// One unit's Parquet file, its rows with the `symbol` column the hive partition gives a reader.
fn read_unit_file(symbol: &str, path: &Path) -> Result<RecordBatch, String> {
    let failed = |err: &dyn std::fmt::Display| format!("{}: {err}", path.display());
    let file = std::fs::File::open(path).map_err(|err| failed(&err))?;
    let reader =
        ParquetRecordBatchReaderBuilder::try_new(file).and_then(|b| b.build()).map_err(|err| failed(&err))?;
    let schema = reader.schema();
    let batches = reader.collect::<Result<Vec<_>, _>>().map_err(|err| failed(&err))?;
    let batch = arrow::compute::concat_batches(&schema, &batches).map_err(|err| failed(&err))?;
    let symbols: arrow::array::ArrayRef =
        Arc::new(arrow::array::StringArray::from(vec![symbol; batch.num_rows()]));
    let mut fields: Vec<arrow::datatypes::FieldRef> = schema.fields().iter().cloned().collect();
    let mut columns = batch.columns().to_vec();
    fields
        .insert(1, Arc::new(arrow::datatypes::Field::new("symbol", arrow::datatypes::DataType::Utf8, false)));
    columns.insert(1, symbols);
    RecordBatch::try_new(Arc::new(arrow::datatypes::Schema::new(fields)), columns).map_err(|err| failed(&err))
}

/// The bars of `stream`, validated as `candlewick ingest` validates a Parquet file of the same
/// columns, and in time order within each series: a DataFrame out of order is a mistake to name,
/// not to sort silently.
fn bar_records(stream: RecordBatchStreamReader, request: &FixtureRequest) -> PyResult<Vec<BarRecord>> {
    let defaults = FileDefaults {
        symbol: request.symbol.clone(),
        timeframe: request.timeframe,
        only_where_missing: true,
    };
    let schema = stream.schema();
    let bars_error = |err: BarFileError| BarsError::new_err(err.to_string());
    let records = bars_file::read_record_batches(Path::new(BARS_NAME), &schema, stream, &defaults)
        .map_err(bars_error)?;
    let mut last: BTreeMap<(Symbol, Timeframe), (Timestamp, u64)> = BTreeMap::new();
    let mut out = Vec::new();
    for (index, record) in records.enumerate() {
        let record = record.map_err(bars_error)?;
        let row = index as u64 + 1;
        let key = (record.symbol.clone(), record.timeframe);
        if let Some((previous, previous_row)) = last.get(&key)
            && record.bar.ts < *previous
        {
            return Err(BarsError::new_err(format!(
                "{BARS_NAME}: {}: ts {} of {} {} is before {} (row {previous_row}): expected bars in time \
                 order (sort them by time first)",
                Location::Row(row),
                record.bar.ts,
                record.symbol,
                record.timeframe,
                previous,
            )));
        }
        last.insert(key, (record.bar.ts, row));
        out.push(record);
    }
    Ok(out)
}

/// Takes the stream out of `object.__arrow_c_stream__()`.
fn take_stream(object: &Bound<'_, PyAny>) -> PyResult<RecordBatchStreamReader> {
    if !object.hasattr("__arrow_c_stream__")? {
        return Err(PyTypeError::new_err(format!(
            "bars: expected a pyarrow Table, a pandas or polars DataFrame (an object with __arrow_c_stream__), \
             got {}",
            object.get_type().name()?
        )));
    }
    let capsule = object.call_method0("__arrow_c_stream__")?;
    let capsule = capsule.cast::<PyCapsule>()?;
    let pointer = capsule.pointer_checked(Some(STREAM_CAPSULE))?.as_ptr().cast::<FFI_ArrowArrayStream>();
    // SAFETY: the PyCapsule protocol says the capsule holds a valid `ArrowArrayStream` that the
    // consumer may move out of, leaving a released one (release = NULL) for the capsule's
    // destructor, which then does nothing. `replace` does exactly that move.
    let stream = unsafe { std::ptr::replace(pointer, FFI_ArrowArrayStream::empty()) };
    RecordBatchStreamReader::try_new(stream)
        .map_err(|err| BarsError::new_err(format!("bars: not a readable Arrow stream ({err})")))
}

/// A table handed back to Python: an object with `__arrow_c_stream__`, which pyarrow
/// (`pa.RecordBatchReader.from_stream`), polars and pandas take without a copy. It can be
/// consumed once.
#[pyclass(module = "candlewick._native")]
struct ArrowStream {
    reader: Mutex<Option<Box<dyn RecordBatchReader + Send>>>,
}

impl ArrowStream {
    fn of_batches(schema: SchemaRef, batches: Vec<RecordBatch>) -> Self {
        let iter = batches.into_iter().map(Ok::<_, ArrowError>);
        ArrowStream { reader: Mutex::new(Some(Box::new(RecordBatchIterator::new(iter, schema)))) }
    }
}

#[pymethods]
impl ArrowStream {
    /// The Arrow PyCapsule protocol. `requested_schema` is accepted and ignored, as the protocol
    /// allows: the table keeps its own types.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let reader = self
            .reader
            .lock()
            .map_err(|_| CandlewickError::new_err("this table's stream was poisoned by a panic"))?
            .take()
            .ok_or_else(|| CandlewickError::new_err("this table was already consumed"))?;
        let stream = FFI_ArrowArrayStream::new(reader);
        let name = CString::from(STREAM_CAPSULE);
        // The capsule owns the stream; a consumer moves it out and leaves a released one, which
        // the capsule's destructor (Drop of FFI_ArrowArrayStream) then leaves alone.
        PyCapsule::new(py, stream, Some(name))
    }
}

/// `params` as a job file spells them: bool, int, float or str values.
fn yaml_params(params: &Bound<'_, PyDict>) -> PyResult<BTreeMap<String, serde_norway::Value>> {
    params
        .iter()
        .map(|(key, value)| {
            let name: String = key.extract()?;
            let value = if value.is_instance_of::<PyBool>() {
                serde_norway::Value::Bool(value.extract()?)
            } else if value.is_instance_of::<PyInt>() {
                serde_norway::Value::Number(value.extract::<i64>()?.into())
            } else if value.is_instance_of::<PyFloat>() {
                serde_norway::Value::Number(value.extract::<f64>()?.into())
            } else if value.is_instance_of::<PyString>() {
                serde_norway::Value::String(value.extract()?)
            } else {
                return Err(PyTypeError::new_err(format!(
                    "params[{name:?}]: expected a bool, int, float or str, got {}",
                    value.get_type().name()?
                )));
            };
            Ok((name, value))
        })
        .collect()
}

/// Parses an argument as the command line would, naming the argument in the error.
fn parse<T>(argument: &'static str) -> impl Fn(&str) -> PyResult<T>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    move |text| text.parse().map_err(|err| CandlewickError::new_err(format!("{argument} {text:?}: {err}")))
}

/// An error with its causes, as the command line prints it.
fn chain(err: impl Into<anyhow::Error>) -> String {
    format!("{:#}", err.into())
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(read, m)?)?;
    m.add_class::<ArrowStream>()?;
    let py = m.py();
    m.add("CandlewickError", py.get_type::<CandlewickError>())?;
    m.add("BarsError", py.get_type::<BarsError>())?;
    m.add("PluginError", py.get_type::<PluginError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
