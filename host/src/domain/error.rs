//! Typed errors of the reader port.

use thiserror::Error;

/// A caller's mistake: the message names the value and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct InvalidArgument {
    message: String,
}

impl InvalidArgument {
    pub fn new(message: impl Into<String>) -> Self {
        InvalidArgument { message: message.into() }
    }
}

impl From<super::UnknownTimeframe> for InvalidArgument {
    fn from(err: super::UnknownTimeframe) -> Self {
        InvalidArgument::new(err.to_string())
    }
}

/// Why a read failed.
#[derive(Debug, Error)]
pub enum ReadError {
    /// The request itself is wrong; retrying it cannot help.
    #[error(transparent)]
    InvalidArgument(#[from] InvalidArgument),
    /// The data source failed (connection, timeout, server error). The display text stays
    /// generic on purpose: it may reach a plugin, so the database's own message travels only as the
    /// `source`, for the host's log.
    #[error("market data source unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The request reaches outside what the caller may read (a plugin's unit of work).
    #[error("out of scope: {0}")]
    OutOfScope(String),
    /// The answer would pass a limit; ask for less or stream it.
    #[error("too large: more than {limit} {what}")]
    TooLarge { what: &'static str, limit: u64 },
}

impl ReadError {
    pub fn unavailable(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        ReadError::Unavailable(source.into())
    }
}
