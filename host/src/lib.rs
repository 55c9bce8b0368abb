//! Candlewick: a WebAssembly-plugged query host for market data.
//!
//! - [`domain`]: bars, timeframes, symbols, time windows and typed errors (no database, no Wasm);
//! - [`reader`]: the [`reader::MarketDataReader`] port with its PostgreSQL and in-memory adapters;
//! - [`bars_file`]: CSV and Parquet bar files, validated row by row;
//! - [`ingest`]: the only writer of `market_data`: idempotent, all-or-nothing upserts per file;
//! - [`migrate`]: the versioned schema, applied by refinery;
//! - [`runtime`]: the Wasm runtime that runs plugins against a scoped reader;
//! - [`job`]: `candlewick run`, the batch job; [`output`]: its Parquet files;
//! - [`mock`]: the mock host: a plugin over fixture bars, compared with an expected output;
//! - [`cli`]: the `candlewick` subcommands.

pub mod bars_file;
pub mod cli;
pub mod domain;
pub mod ingest;
pub mod job;
pub mod migrate;
pub mod mock;
pub mod output;
pub mod pg;
pub mod reader;
pub mod runtime;
