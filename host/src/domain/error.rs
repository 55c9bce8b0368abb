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

/// Characters of a user's value an error message quotes; past them it says how long the value was.
const QUOTED_CHARS: usize = 60;

/// `text` quoted for an error message (`"abc"`), cut short when long: a bad field of a huge line
/// must not make a message of megabytes.
pub fn quoted(text: &str) -> String {
    match text.char_indices().nth(QUOTED_CHARS) {
        None => format!("{text:?}"),
        Some((cut, _)) => format!("{:?}… ({} bytes)", &text[..cut], text.len()),
    }
}

/// An error and its sources joined by `: `, for one log line or message: the whole story, where
/// `Display` alone tells only the outermost part.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl ReadError {
    pub fn unavailable(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        ReadError::Unavailable(source.into())
    }
}

#[cfg(test)]
mod tests {
    use super::quoted;

    #[test]
    fn long_values_are_quoted_short_with_their_size() {
        assert_eq!(quoted("abc"), "\"abc\"");
        let long = "é".repeat(100);
        assert_eq!(quoted(&long), format!("\"{}\"… (200 bytes)", "é".repeat(60)));
    }
}
