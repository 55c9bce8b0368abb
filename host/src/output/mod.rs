//! Where results go: one Parquet file per plugin and symbol for a job; CSV or a text table for
//! `candlewick test`.

mod parquet;
mod text;

pub use parquet::{ParquetWriter, Provenance, record_batch, writer_properties};
pub use text::{text_table, write_csv};
