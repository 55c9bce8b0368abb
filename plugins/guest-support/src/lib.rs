//! Plain-Rust helpers the sampler plugins (`resample`, `bars`, `events`) share.
//!
//! Nothing here knows the WIT bindings: wit-bindgen generates types per crate. Each plugin
//! expands [`plugin_convert!`] against its own bindings to convert parameters and output to and
//! from the plain values below. Everything here is testable with a native `cargo test`.
//!
//! - [`params`]: declared parameters, checked once per unit of work.
//! - [`batch`]: the streamed-read batch size, and checks on each batch the reader returns.
//! - [`window`]: the unit's inclusive window.
//! - [`table`]: a sampler's output table.
//! - [`fma`]: [`export_fma!`], a fast exact `fma` for plugins whose code calls `f64::mul_add`.

pub mod batch;
mod convert;
pub mod fma;
pub mod params;
pub mod table;
pub mod window;

pub use batch::{BATCH_ROWS, BatchCheck, BatchError};
pub use params::{ParamError, ParamSpec, ParamValue, Params};
pub use table::{Column, Table, Values, VolumeOverflow};
pub use window::Window;
