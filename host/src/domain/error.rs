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
/// `Display` alone tells only the outermost part. The binary prints every error this way.
///
/// Our errors never repeat their source in their own text (a test holds every `#[error]` to it),
/// but some of our dependencies' do (refinery's migration errors quote the database error they
/// return as their source): a source whose text the message so far already shows, as whole words,
/// is left out, so nothing is said twice.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let said = cause.to_string();
        if !said.is_empty() && !shows(&text, &said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        source = cause.source();
    }
    text
}

/// `text` holds `words` between word boundaries: `\`db error\`` shows `db error`, `timeouts` does
/// not show `timeout`.
fn shows(text: &str, words: &str) -> bool {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    text.match_indices(words).any(|(at, _)| {
        !word(text[..at].chars().next_back()) && !word(text[at + words.len()..].chars().next())
    })
}

impl ReadError {
    pub fn unavailable(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        ReadError::Unavailable(source.into())
    }
}

#[cfg(test)]
mod tests {
    use super::{error_chain, quoted};

    #[test]
    fn long_values_are_quoted_short_with_their_size() {
        assert_eq!(quoted("abc"), "\"abc\"");
        let long = "é".repeat(100);
        assert_eq!(quoted(&long), format!("\"{}\"… (200 bytes)", "é".repeat(60)));
    }

    /// An error that quotes its source in its own text, as some dependencies' do.
    #[derive(Debug, thiserror::Error)]
    #[error("`applying V1`, `{0}`")]
    struct Repeats(#[source] std::io::Error);

    #[derive(Debug, thiserror::Error)]
    #[error("reading nope.csv")]
    struct Reading(#[source] std::io::Error);

    #[test]
    fn a_chain_says_each_cause_once() {
        let io = || std::io::Error::other("db error");
        assert_eq!(error_chain(&Reading(io())), "reading nope.csv: db error");
        assert_eq!(error_chain(&Repeats(io())), "`applying V1`, `db error`", "not `…`: db error` again");
        let timeouts = std::io::Error::other("timeout");
        assert_eq!(error_chain(&Repeats(std::io::Error::other("timeouts"))), "`applying V1`, `timeouts`",);
        #[derive(Debug, thiserror::Error)]
        #[error("statement_timeout_ms exceeded")]
        struct Outer(#[source] std::io::Error);
        assert_eq!(
            error_chain(&Outer(timeouts)),
            "statement_timeout_ms exceeded: timeout",
            "a part of a word is not the cause"
        );
    }

    /// The `#[error]` attributes of the host's own errors (outside tests), and each one's
    /// variant or struct, by file.
    fn error_attributes() -> Vec<(String, String, String)> {
        let mut found = Vec::new();
        let mut dirs = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                    let lines: Vec<&str> = code.lines().map(str::trim).collect();
                    for (attribute, declaration) in errors_in(&lines) {
                        found.push((path.display().to_string(), attribute, declaration));
                    }
                }
            }
        }
        found
    }

    /// Each `#[error(…)]` of `lines` with the declaration it is on.
    fn errors_in(lines: &[&str]) -> Vec<(String, String)> {
        let mut found = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            if !line.starts_with("#[error(") || line.contains("transparent") {
                continue;
            }
            let end = (i..lines.len()).find(|&j| lines[j].ends_with(")]")).unwrap();
            let mut item =
                lines[end + 1..].iter().skip_while(|l| l.starts_with("#[") || l.starts_with("///"));
            let first = item.next().copied().unwrap_or_default();
            let declaration = if first.ends_with('{') {
                std::iter::once(first).chain(item.take_while(|l| !l.starts_with('}')).copied()).collect()
            } else {
                first.to_owned()
            };
            found.push((lines[i..=end].join(" "), declaration));
        }
        found
    }

    /// The attribute's text shows the declaration's source: a field named `source`, or marked
    /// `#[source]` or `#[from]` (by name, or `0` in a tuple).
    fn shows_its_source(attribute: &str, declaration: &str) -> bool {
        let mut sources = Vec::new();
        if declaration.contains("source:") {
            sources.push("source".to_owned());
        }
        for mark in ["#[source]", "#[from]"] {
            for (at, _) in declaration.match_indices(mark) {
                let after = declaration[at + mark.len()..].trim_start();
                if declaration[..at].trim_end().ends_with('(') {
                    sources.push("0".to_owned());
                } else if let Some((name, _)) = after.split_once(':') {
                    sources.push(name.to_owned());
                }
            }
        }
        sources.iter().any(|source| {
            attribute.contains(&format!("{{{source}}}")) || attribute.contains(&format!("{{{source}:"))
        })
    }

    /// The class behind `nope.csv: No such file or directory: No such file or directory`: an error
    /// whose text shows its source, which the chain then shows again. The error's own text must
    /// not show it.
    #[test]
    fn no_error_shows_the_source_it_returns() {
        let lines = [
            "#[error(\"`applying V1`, `{0}`\")]",
            "struct Repeats(#[source] std::io::Error);",
            "#[error(\"{}: {source}\", path.display())]",
            "Io { path: PathBuf, source: std::io::Error },",
            "#[error(\"reading the fixture: {0}\")]",
            "Read(#[from] ReadError),",
            "#[error(\"reading {}\", path.display())]",
            "/// A comment.",
            "Read { path: PathBuf, source: std::io::Error },",
        ];
        let flagged: Vec<bool> = errors_in(&lines).iter().map(|(a, d)| shows_its_source(a, d)).collect();
        assert_eq!(flagged, [true, true, true, false], "the check itself");

        let attributes = error_attributes();
        assert!(attributes.len() > 20, "the scan found the host's errors: {}", attributes.len());
        let offenders: Vec<String> = attributes
            .iter()
            .filter(|(_, attribute, declaration)| shows_its_source(attribute, declaration))
            .map(|(path, attribute, declaration)| format!("{path}: {attribute} on {declaration}"))
            .collect();
        assert!(offenders.is_empty(), "errors showing their source:\n{}", offenders.join("\n"));
    }
}
