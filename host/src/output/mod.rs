//! Where results go: one Parquet file per plugin entry and symbol for a job, at a location
//! derived from validated names only (`location.rs`); CSV or a text table for `candlewick test`.

mod location;
mod parquet;
mod text;

pub use location::{InvalidOutputName, MAX_OUTPUT_NAME_BYTES, OutputName, symbol_file_name};
pub use parquet::{ParquetWriter, Provenance, record_batch, writer_properties};
pub use text::{text_table, write_csv};
