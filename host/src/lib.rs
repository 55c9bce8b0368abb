//! Candlewick: a WebAssembly-plugged query host for market data.
//!
//! - [`domain`]: bars, timeframes, symbols, time windows and typed errors (no database, no Wasm);
//! - [`reader`]: the [`reader::MarketDataReader`] port with its PostgreSQL and in-memory adapters;
//! - [`bars_file`]: CSV and Parquet bar files, validated row by row;
//! - [`pg`]: PostgreSQL in one place: connection settings, and the only writers of `market_data`
//!   ([`pg::ingest`], idempotent all-or-nothing upserts per file; [`pg::migrate`], the schema);
//! - [`runtime`]: the Wasm runtime that runs plugins against a scoped reader;
//! - [`unit`]: the unit of work (parameters, warm-up start, as-of), built by the job and the
//!   fixture host alike;
//! - [`job`]: `candlewick run`, the batch job; [`output`]: its Parquet files; [`report`]: an
//!   output as one HTML page of charts and the run's summary (`candlewick report`);
//! - [`fixture_host`]: a plugin over fixture bars, compared with an expected output (`candlewick
//!   test` and the `candlewick-plugin-test` crate);
//! - [`cli`]: the `candlewick` subcommands.

pub mod bars_file;
pub mod check;
pub mod cli;
pub mod domain;
pub mod fixture_host;
pub mod job;
pub mod output;
pub mod pg;
pub mod reader;
pub mod report;
pub mod runtime;
pub mod unit;
