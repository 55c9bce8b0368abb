//! Fuzzing the two parsers that take files from users, with proptest: the bar-file reader behind
//! `candlewick ingest` and the fixture host (CSV and Parquet), and the job-file loader. Inputs are
//! the committed corpus (`tests/fuzz/corpus/`) with random byte mutations. Whatever the bytes,
//! the parser returns — no panic — and either an error that names the file, or records that
//! hold the invariants ingest promises.
//!
//! `PROPTEST_CASES=20000 cargo test -p candlewick --test fuzz` fuzzes longer; a failing input is
//! saved by proptest beside this file and replayed first on every later run.

mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use candlewick::bars_file::{self, FileDefaults};
use candlewick::domain::{Symbol, Timeframe};
use candlewick::job::Job;
use proptest::prelude::*;
use support::repo_path;

/// One edit of a byte string: overwrite, insert or delete at a position (taken modulo the length).
#[derive(Debug, Clone)]
enum Mutation {
    Overwrite(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
}

/// Bytes that matter to the parsers, so mutations hit separators, quotes, signs and digits more
/// often than uniform bytes would.
fn interesting_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        4 => prop::sample::select(b",\n\r\"'-+.:eE0123456789 {}[]$#\tTZNa".to_vec()),
        1 => any::<u8>(),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), interesting_byte()).prop_map(|(at, byte)| Mutation::Overwrite(at, byte)),
        (any::<usize>(), prop::collection::vec(interesting_byte(), 1..12))
            .prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        (any::<usize>(), 1usize..24).prop_map(|(at, len)| Mutation::Delete(at, len)),
    ]
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for mutation in mutations {
        let at = |i: usize| if bytes.is_empty() { 0 } else { i % (bytes.len() + 1) };
        match mutation {
            Mutation::Overwrite(i, byte) if !bytes.is_empty() => {
                let i = i % bytes.len();
                bytes[i] = *byte;
            }
            Mutation::Overwrite(..) => {}
            Mutation::Insert(i, new) => {
                let i = at(*i);
                bytes.splice(i..i, new.iter().copied());
            }
            Mutation::Delete(i, len) => {
                let i = at(*i).min(bytes.len());
                let end = (i + len).min(bytes.len());
                bytes.drain(i..end);
            }
        }
    }
    bytes
}

fn corpus(kind: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = repo_path(&format!("tests/fuzz/corpus/{kind}"));
    let mut files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "an empty corpus in {}", dir.display());
    files
}

/// A small valid Parquet bar file, the seed for Parquet mutations.
fn parquet_seed() -> Vec<u8> {
    let schema = arrow::datatypes::Schema::new(vec![
        arrow::datatypes::Field::new("symbol", arrow::datatypes::DataType::Utf8, false),
        arrow::datatypes::Field::new("timeframe", arrow::datatypes::DataType::Utf8, false),
        arrow::datatypes::Field::new(
            "timestamp",
            arrow::datatypes::DataType::Timestamp(
                arrow::datatypes::TimeUnit::Microsecond,
                Some("UTC".into()),
            ),
            false,
        ),
        arrow::datatypes::Field::new("open", arrow::datatypes::DataType::Float64, false),
        arrow::datatypes::Field::new("high", arrow::datatypes::DataType::Float64, false),
        arrow::datatypes::Field::new("low", arrow::datatypes::DataType::Float64, false),
        arrow::datatypes::Field::new("close", arrow::datatypes::DataType::Float64, false),
        arrow::datatypes::Field::new("volume", arrow::datatypes::DataType::Int64, false),
    ]);
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(vec!["SPY"; 3])),
        Arc::new(StringArray::from(vec!["1d"; 3])),
        Arc::new(
            TimestampMicrosecondArray::from(vec![
                1_704_153_600_000_000,
                1_704_240_000_000_000,
                1_704_326_400_000_000,
            ])
            .with_timezone("UTC"),
        ),
        Arc::new(Float64Array::from(vec![472.16, 470.43, 468.3])),
        Arc::new(Float64Array::from(vec![473.67, 471.19, 470.96])),
        Arc::new(Float64Array::from(vec![470.49, 468.17, 467.05])),
        Arc::new(Float64Array::from(vec![472.65, 468.79, 467.28])),
        Arc::new(Int64Array::from(vec![123_623_700, 103_585_900, 91_158_100])),
    ];
    let batch = RecordBatch::try_new(Arc::new(schema), columns).unwrap();
    let mut bytes = Vec::new();
    let mut writer = parquet::arrow::ArrowWriter::try_new(&mut bytes, batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    bytes
}

/// Reads `bytes` as a bar file named `name`; panics (failing the case) on anything but a clean
/// error naming the file or records that hold ingest's invariants.
fn check_bar_file(dir: &Path, name: &str, bytes: &[u8], defaults: &FileDefaults) {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let outcome = bars_file::read(&path, defaults).and_then(|records| records.collect::<Result<Vec<_>, _>>());
    match outcome {
        Err(err) => {
            let message = candlewick::domain::error_chain(&err);
            assert!(message.starts_with(&path.display().to_string()), "the error names the file: {message}");
            assert!(!message.contains('\n') || message.lines().count() < 4, "a short message: {message}");
        }
        Ok(records) => {
            let mut keys = std::collections::HashSet::new();
            for record in records {
                let bar = record.bar;
                assert!([bar.open, bar.high, bar.low, bar.close].iter().all(|v| v.is_finite()), "{bar:?}");
                assert!(bar.high >= bar.low, "{bar:?}");
                assert!(bar.volume >= 0, "{bar:?}");
                assert!(
                    keys.insert((record.symbol, record.timeframe, bar.ts)),
                    "a repeated key was accepted"
                );
            }
        }
    }
}

/// What ingest's flags would give a corpus file: `columns.csv` has symbol and timeframe columns,
/// the others take EURUSD 1h.
fn csv_defaults(path: &Path) -> FileDefaults {
    if path.file_name().is_some_and(|n| n == "columns.csv") {
        return FileDefaults::default();
    }
    FileDefaults {
        symbol: Some(Symbol::new("EURUSD").unwrap()),
        timeframe: Some(Timeframe::Hour1),
        only_where_missing: true,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn csv_bar_files_parse_or_fail_naming_the_file(
        seed in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 0..10),
    ) {
        let corpus = corpus("csv");
        let (path, bytes) = &corpus[seed.index(corpus.len())];
        let defaults = csv_defaults(path);
        let dir = tempfile::tempdir().unwrap();
        check_bar_file(dir.path(), "fuzzed.csv", &mutate(bytes.clone(), &mutations), &defaults);
    }

    #[test]
    fn parquet_bar_files_parse_or_fail_naming_the_file(mutations in prop::collection::vec(mutation(), 0..6)) {
        let dir = tempfile::tempdir().unwrap();
        check_bar_file(dir.path(), "fuzzed.parquet", &mutate(parquet_seed(), &mutations), &FileDefaults::default());
    }

    #[test]
    fn job_files_load_or_fail_naming_the_file(
        seed in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 0..10),
    ) {
        let corpus = corpus("job");
        let (_, bytes) = &corpus[seed.index(corpus.len())];
        let text = String::from_utf8_lossy(&mutate(bytes.clone(), &mutations)).into_owned();
        let env = |name: &str| (name == "OUT").then(|| "out".to_owned());
        if let Err(err) = Job::parse(&text, Path::new("jobs/fuzzed.yaml"), &env) {
            let message = err.to_string();
            prop_assert!(message.starts_with("jobs/fuzzed.yaml: "), "{}", message);
            prop_assert!(!message.contains('\n'), "one line: {}", message);
        }
    }
}

#[test]
fn the_corpus_itself_loads() {
    let dir = tempfile::tempdir().unwrap();
    for (path, bytes) in corpus("csv") {
        let defaults = csv_defaults(&path);
        let records = bars_file::read(&path, &defaults).and_then(|r| r.collect::<Result<Vec<_>, _>>());
        assert!(records.is_ok_and(|r| r.len() >= 2), "{}", path.display());
        check_bar_file(dir.path(), "seed.csv", &bytes, &defaults);
    }
    for (path, bytes) in corpus("job") {
        let env = |name: &str| (name == "OUT").then(|| "out".to_owned());
        let text = String::from_utf8(bytes).unwrap();
        Job::parse(&text, &path, &env).unwrap_or_else(|err| panic!("{err}"));
    }
    check_bar_file(dir.path(), "seed.parquet", &parquet_seed(), &FileDefaults::default());
}

/// A file the fuzzer found (committed in the corpus): its metadata gives a column chunk a
/// negative length, on which the parquet crate panics. It must be an error naming the file.
#[test]
fn a_parquet_file_the_parquet_crate_panics_on_is_an_error() {
    let path = repo_path("tests/fuzz/corpus/parquet/negative-column-length.parquet");
    let err = bars_file::read(&path, &FileDefaults::default())
        .and_then(|records| records.collect::<Result<Vec<_>, _>>())
        .expect_err("a corrupt file");
    assert_eq!(
        candlewick::domain::error_chain(&err),
        format!(
            "{}: not a readable Parquet file (corrupt: column start and length should not be negative)",
            path.display()
        )
    );
}
