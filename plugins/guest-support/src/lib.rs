//! The toolkit every Rust plugin (`indicators`, `resample`, `bars`, `events`, and those
//! `candlewick new --lang rust` makes) builds on: parameters, output tables, streamed reads.
//!
//! Nothing here knows the WIT bindings: wit-bindgen generates types per crate. Each plugin
//! expands [`plugin_glue!`] against its own bindings of `candlewick:market-data@0.2.0`
//! (`wit/`) for the conversions to and from the plain values below, the inputs its `plan`
//! declares, and the streamed read of its own series. Everything else is plain Rust, testable
//! with a native `cargo test`.
//!
//! - [`params`]: declared parameters, checked once per unit of work.
//! - [`batch`]: the batch size of streamed reads ([`BATCH_ROWS`], and why), the checks on each
//!   batch the reader returns, and joining batches into whole columns.
//! - [`window`]: the unit's inclusive window.
//! - [`table`]: a plugin's output table and its columns.
//! - [`fma`]: [`export_fma!`], a fast exact `fma` for plugins whose code calls `f64::mul_add`.
//! - [`kernels`]: the host's native kernels (rolling windows, TA-Lib's indicators, returns):
//!   `kernels::rsi(&close, 14)`.
//! - [`columns`]: the kernels over columns the host holds, never copied (`close.rsi(14)`).

pub mod batch;
pub mod columns;
pub mod fma;
mod glue;
pub mod kernels;
pub mod params;
pub mod table;
pub mod window;

pub use batch::{BATCH_ROWS, BatchCheck, BatchError, join};
pub use params::{ParamError, ParamSpec, ParamValue, Params};
pub use table::{Column, Table, Values, VolumeOverflow};
pub use window::Window;
