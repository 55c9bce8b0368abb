//! What a report is made of, read from a job's output: its manifest (the shards' too), each
//! dataset's files by symbol, the Parquet tables, and the bars from the job's source. Whatever is
//! missing becomes a problem the report shows, naming the file; the rest is still read.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Float64Type, Int32Type, Int64Type, TimestampMicrosecondType, UInt64Type};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::bars_file::FileDefaults;
use crate::domain::{Availability, BarColumns, Fields, Symbol, TimeRange, Timeframe, Timestamp};
use crate::job::{Job, Manifest, Source};
use crate::reader::{
    MarketDataReader, MemoryMarketDataReader, PgMarketDataReader, PgReaderConfig, RangeRequest,
};

/// One dataset of the output.
#[derive(Debug, Clone)]
pub struct DatasetFiles {
    pub name: String,
    /// The manifest's kind; `None` without a manifest.
    pub kind: Option<String>,
    /// Its folder, relative to the output.
    pub folder: String,
    /// The manifest's identity (plugin, version, sha256, parameters).
    pub identity: Option<serde_json::Value>,
    /// Each symbol's file, relative to the output.
    pub files: BTreeMap<String, String>,
}

/// A dataset's file as columns: `ts` (µs) and every numeric column as `f64`.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub ts: Vec<i64>,
    pub columns: Vec<Column>,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub values: Vec<f64>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&[f64]> {
        self.columns.iter().find(|c| c.name == name).map(|c| c.values.as_slice())
    }

    pub fn names(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name.clone()).collect()
    }
}

/// The output as found.
#[derive(Debug)]
pub struct Output {
    pub dir: PathBuf,
    /// What the page calls it: the folder, or the object store's URL it was fetched from.
    pub shown: String,
    /// The manifest (the shards' merged into one), when there is one.
    pub manifest: Option<Manifest>,
    pub datasets: Vec<DatasetFiles>,
    /// The job's symbols (the manifest's), else those found in the datasets' folders.
    pub symbols: Vec<String>,
    pub timeframe: Option<Timeframe>,
    /// What could not be read, one line each, naming the file.
    pub problems: Vec<String>,
}

/// Reads `dir`'s manifests (`manifest.json`, shards' `manifest-shard-I-of-N.json`), or without
/// any, finds the datasets by their folders (`<name>-<hash>/symbol=<symbol>/data.parquet`).
pub fn output(dir: &Path) -> Result<Output, String> {
    if !dir.exists() {
        return Err(format!("{}: no such folder (expected a job's output folder)", dir.display()));
    }
    if !dir.is_dir() {
        return Err(format!("{}: not a folder (expected a job's output folder)", dir.display()));
    }
    let mut problems = Vec::new();
    let manifest = match read_manifests(dir) {
        Ok(Some(manifest)) => Some(manifest),
        Ok(None) => {
            problems.push(format!(
                "no manifest.json in {}: datasets found by their folders; no units, plugins or job shown",
                dir.display()
            ));
            None
        }
        Err(err) => {
            problems.push(format!("{err}; datasets found by their folders"));
            None
        }
    };
    let (datasets, symbols, timeframe) = match &manifest {
        Some(m) => {
            let datasets = m
                .datasets
                .iter()
                .filter_map(|(name, _)| {
                    let record = m.dataset(name)?;
                    let files = record
                        .files
                        .iter()
                        .filter_map(|file| Some((symbol_of_file(file)?, file.clone())))
                        .collect();
                    Some(DatasetFiles {
                        name: name.clone(),
                        kind: Some(record.kind),
                        folder: record.path,
                        identity: Some(record.identity),
                        files,
                    })
                })
                .collect();
            (datasets, m.symbols.clone(), m.timeframe.parse().ok())
        }
        None => {
            let datasets = scan(dir, &mut problems);
            let mut symbols: Vec<String> = datasets.iter().flat_map(|d| d.files.keys().cloned()).collect();
            symbols.sort();
            symbols.dedup();
            let timeframe = datasets
                .iter()
                .flat_map(|d| d.files.values())
                .find_map(|file| provenance(&dir.join(file)).get("candlewick.timeframe")?.parse().ok());
            (datasets, symbols, timeframe)
        }
    };
    for dataset in &datasets {
        for file in dataset.files.values() {
            if !dir.join(file).is_file() {
                problems.push(format!("{}: listed by the manifest but missing", dir.join(file).display()));
            }
        }
    }
    let shown = dir.display().to_string();
    Ok(Output { dir: dir.to_owned(), shown, manifest, datasets, symbols, timeframe, problems })
}

/// The manifest, or the shards' merged: their units and datasets' files together.
fn read_manifests(dir: &Path) -> Result<Option<Manifest>, String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|err| format!("reading {}: {err}", dir.display()))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n == "manifest.json" || (n.starts_with("manifest-shard-") && n.ends_with(".json")))
        .collect();
    names.sort();
    let mut merged: Option<Manifest> = None;
    for name in names {
        let path = dir.join(&name);
        let text =
            std::fs::read_to_string(&path).map_err(|err| format!("reading {}: {err}", path.display()))?;
        let manifest: Manifest = serde_json::from_str(&text)
            .map_err(|err| format!("{}: not a candlewick manifest ({err})", path.display()))?;
        merged = Some(match merged {
            None => manifest,
            Some(mut all) => {
                all.units.extend(manifest.units);
                for symbol in manifest.symbols {
                    if !all.symbols.contains(&symbol) {
                        all.symbols.push(symbol);
                    }
                }
                for (name, record) in manifest.datasets {
                    let files = record.get("files").and_then(|f| f.as_array()).cloned().unwrap_or_default();
                    match all.datasets.get_mut(&name).and_then(|d| d.get_mut("files")?.as_array_mut()) {
                        Some(list) => list.extend(files),
                        None => {
                            all.datasets.insert(name, record);
                        }
                    }
                }
                all
            }
        });
    }
    Ok(merged)
}

/// `indicators-3f2a1c9e/symbol=EURUSD/data.parquet` → `EURUSD` (percent-decoded).
pub fn symbol_of_file(file: &str) -> Option<String> {
    let part = file.split('/').find_map(|p| p.strip_prefix("symbol="))?;
    percent_decode(part)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Datasets by their folders: `<name>-<8 hex>/symbol=<symbol>/data.parquet`.
fn scan(dir: &Path, problems: &mut Vec<String>) -> Vec<DatasetFiles> {
    let mut datasets = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return datasets };
    let mut folders: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.starts_with('.'))
        .collect();
    folders.sort();
    for folder in folders {
        let Some((name, hash)) = folder.rsplit_once('-') else { continue };
        if hash.len() != 8 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        let mut files = BTreeMap::new();
        for entry in std::fs::read_dir(dir.join(&folder)).into_iter().flatten().flatten() {
            let part = entry.file_name().to_string_lossy().into_owned();
            let file = format!("{folder}/{part}/data.parquet");
            match symbol_of_file(&file) {
                Some(symbol) if dir.join(&file).is_file() => {
                    files.insert(symbol, file);
                }
                Some(_) => problems.push(format!("{}: missing", dir.join(&file).display())),
                None => {}
            }
        }
        datasets.push(DatasetFiles { name: name.to_owned(), kind: None, folder, identity: None, files });
    }
    datasets
}

/// The `candlewick.*` key-value metadata of a Parquet file (empty when it cannot be read).
pub fn provenance(path: &Path) -> BTreeMap<String, String> {
    let Ok(file) = File::open(path) else { return BTreeMap::new() };
    let Ok(builder) = ParquetRecordBatchReaderBuilder::try_new(file) else { return BTreeMap::new() };
    builder
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .into_iter()
        .flatten()
        .filter_map(|kv| Some((kv.key.clone(), kv.value.clone()?)))
        .collect()
}

/// A dataset's file as a [`Table`]: `ts` and its numeric columns (others are left out).
pub fn table(path: &Path) -> Result<Table, String> {
    let file = File::open(path).map_err(|err| format!("{}: {err}", path.display()))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.build())
        .map_err(|err| format!("{}: not a Parquet file ({err})", path.display()))?;
    let mut table = Table::default();
    for batch in reader {
        let batch = batch.map_err(|err| format!("{}: {err}", path.display()))?;
        let schema = batch.schema();
        if table.columns.is_empty() && table.ts.is_empty() {
            table.columns = schema
                .fields()
                .iter()
                .filter(|f| f.name() != "ts" && numeric(f.data_type()))
                .map(|f| Column { name: f.name().clone(), values: Vec::new() })
                .collect();
        }
        let ts = batch
            .column_by_name("ts")
            .ok_or_else(|| format!("{}: no ts column (expected a dataset's file)", path.display()))?;
        match ts.data_type() {
            DataType::Timestamp(arrow::datatypes::TimeUnit::Microsecond, _) => {
                let ts = ts.as_primitive::<TimestampMicrosecondType>();
                table.ts.extend(ts.values().iter().copied());
            }
            DataType::Int64 => table.ts.extend(ts.as_primitive::<Int64Type>().values().iter().copied()),
            other => return Err(format!("{}: ts is {other} (expected a timestamp in µs)", path.display())),
        }
        for column in &mut table.columns {
            let array = batch.column_by_name(&column.name).expect("every batch has the file's columns");
            append(&mut column.values, array.as_ref());
        }
    }
    Ok(table)
}

fn numeric(data_type: &DataType) -> bool {
    matches!(data_type, DataType::Float64 | DataType::Int64 | DataType::Int32 | DataType::UInt64)
}

/// Appends `array` as f64, NaN for nulls.
fn append(values: &mut Vec<f64>, array: &dyn Array) {
    let at = |i: usize| array.is_null(i);
    match array.data_type() {
        DataType::Float64 => {
            let a = array.as_primitive::<Float64Type>();
            values.extend((0..a.len()).map(|i| if at(i) { f64::NAN } else { a.value(i) }));
        }
        DataType::Int64 => {
            let a = array.as_primitive::<Int64Type>();
            values.extend((0..a.len()).map(|i| if at(i) { f64::NAN } else { a.value(i) as f64 }));
        }
        DataType::Int32 => {
            let a = array.as_primitive::<Int32Type>();
            values.extend((0..a.len()).map(|i| if at(i) { f64::NAN } else { f64::from(a.value(i)) }));
        }
        DataType::UInt64 => {
            let a = array.as_primitive::<UInt64Type>();
            values.extend((0..a.len()).map(|i| if at(i) { f64::NAN } else { a.value(i) as f64 }));
        }
        _ => values.extend(std::iter::repeat_n(f64::NAN, array.len())),
    }
}

/// Where the bars come from: the job file's source (the manifest names the file), or, without it,
/// the source the manifest or a file's provenance names when that needs no connection settings.
pub fn bar_source(output: &Output, problems: &mut Vec<String>) -> Option<Box<dyn MarketDataReader>> {
    let source_name = output.manifest.as_ref().map(|m| m.source.clone()).or_else(|| {
        output
            .datasets
            .iter()
            .flat_map(|d| d.files.values())
            .find_map(|file| provenance(&output.dir.join(file)).get("candlewick.source").cloned())
    });
    let mut source = None;
    if let Some(manifest) = &output.manifest {
        let path = Path::new(&manifest.job.path);
        match Job::load(path) {
            Ok(job) => {
                if job.file_sha256 != manifest.job.sha256 {
                    problems.push(format!(
                        "{}: changed since the run (sha256 differs from the manifest's); bars read from its source as it is now",
                        path.display()
                    ));
                }
                source = Some(job.source);
            }
            Err(err) => problems.push(format!("bars: reading the job file: {err}")),
        }
    }
    let source = match (source, source_name.as_deref()) {
        (Some(source), _) => source,
        (None, Some("embedded sample")) => Source::Embedded,
        (None, Some(name)) if name.starts_with("fixture ") => {
            Source::Fixture(PathBuf::from(&name["fixture ".len()..]))
        }
        (None, Some(name)) => {
            problems.push(format!(
                "bars not drawn: the source is {name:?} and its connection is in the job file, which could not be read"
            ));
            return None;
        }
        (None, None) => {
            problems.push("bars not drawn: no manifest or file names the source".to_owned());
            return None;
        }
    };
    let reader: Result<Box<dyn MarketDataReader>, String> = match source {
        Source::Embedded => Ok(Box::new(MemoryMarketDataReader::embedded_sample())),
        Source::Fixture(path) => MemoryMarketDataReader::from_file(&path, &FileDefaults::default())
            .map(|r| Box::new(r) as Box<dyn MarketDataReader>)
            .map_err(|err| format!("bars not drawn: reading the fixture {}: {err}", path.display())),
        Source::Database(settings) => PgMarketDataReader::connect(&settings, &PgReaderConfig::default())
            .map(|r| Box::new(r) as Box<dyn MarketDataReader>)
            .map_err(|err| format!("bars not drawn: connecting to {settings}: {err}")),
    };
    reader.map_err(|err| problems.push(err)).ok()
}

/// The bars of `symbol` at `timeframe` over `from ..= to`, and what is stored of the series.
pub fn bars(
    reader: &dyn MarketDataReader,
    symbol: &str,
    timeframe: Timeframe,
    from: Timestamp,
    to: Timestamp,
) -> Result<(BarColumns, Availability), String> {
    let symbol = Symbol::new(symbol).map_err(|err| format!("bars of {symbol}: {err}"))?;
    let range = TimeRange::new(from, to).map_err(|err| format!("bars of {symbol}: {err}"))?;
    let request = RangeRequest { symbol: symbol.clone(), timeframe, range, fields: Fields::ALL };
    let bars = reader.range(&request).map_err(|err| format!("bars of {symbol} {timeframe}: {err}"))?;
    let stored = reader
        .availability(&symbol, timeframe, TimeRange::all())
        .map_err(|err| format!("availability of {symbol} {timeframe}: {err}"))?;
    Ok((bars, stored))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_names_its_symbol_percent_decoded() {
        assert_eq!(symbol_of_file("a-01234567/symbol=BTC%2FUSDT/data.parquet").as_deref(), Some("BTC/USDT"));
        assert_eq!(symbol_of_file("a-01234567/symbol=EURUSD/data.parquet").as_deref(), Some("EURUSD"));
        assert_eq!(symbol_of_file("a-01234567/data.parquet"), None);
    }
}
