//! Where job results go: one Parquet file per plugin and symbol.

mod parquet;

pub use parquet::{ParquetWriter, Provenance};
