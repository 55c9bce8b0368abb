//! Where results go: for a job, one dataset per plugin entry, hive-partitioned by symbol, one
//! Parquet file per unit, at a location derived from validated names only (`location.rs`); CSV or
//! a text table for `candlewick test`.

mod location;
mod parquet;
mod text;

pub use location::{
    DATASET_HASH_DIGITS, DatasetDir, InvalidOutputName, MAX_OUTPUT_NAME_BYTES, OutputName, UNIT_FILE_NAME,
    checked_symbol_partition, is_temporary_file_name, symbol_partition,
};
pub use parquet::{
    ParquetWriter, Provenance, Publish, WriteError, WrittenFile, file_sha256, record_batch, writer_properties,
};
pub use text::{text_table, write_csv};
