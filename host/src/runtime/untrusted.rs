//! Text from a plugin is untrusted. Every string that crosses from one — its name, version and
//! description, its parameters and outputs, the columns it returns, its error messages, its
//! stdout and stderr — passes through here before it reaches a terminal, a log, a file name or a
//! file's metadata.
//!
//! - Names (plugin, parameter, output, column) are checked, never changed ([`check_name`]): one
//!   or more of `A-Z a-z 0-9 _ . -`, starting with a letter or a digit. A name becomes a folder, a
//!   job file's key or a Parquet column, and must mean the same in each.
//! - Free text (a version, a description, an error message, a log line) is shown, never refused:
//!   escaped onto one line ([`escape`]: control characters, terminal escape codes, NUL, bidi and
//!   other invisible characters as `\u{1b}`, `\n`, `\0`, …) and cut at a bound in bytes, saying
//!   how long it was. Nothing a plugin says can then move the cursor, recolour the terminal or
//!   start a line of its own (a fake `units: 4 ok, 0 failed`).
//! - `describe` is checked as a whole when the plugin loads ([`check_info`]); the error names the
//!   field (`params[1].name "x y": ' ' is not allowed (…)`).

use std::collections::HashMap;
use std::fmt;

use crate::domain::{ParamValue, PluginInfo, Table};

/// Bytes of a plugin's or a parameter's name: a plugin's name may name its output folder, where
/// the job allows 64 (`output::MAX_OUTPUT_NAME_BYTES`); a parameter's is a key of the job file.
/// Output and column names have the configurable name limit instead (`limits.name_bytes`, checked
/// on every returned column; at load, a described output's is never held below its default).
pub const MAX_NAME_BYTES: usize = 64;

/// Bytes of a plugin's version as shown and recorded: `0.1.0`, `2024.6.1-rc.2+build.7`.
pub const MAX_VERSION_BYTES: usize = 64;

/// Bytes of one piece of a plugin's free text as shown: a description, an error message, a log
/// line, a text parameter's default. A failed unit's line should stay readable on a terminal;
/// 1 KiB is a dozen lines of 80 columns, more than any message a person reads to the end. A 64 MiB
/// message was printed in full, twice, before this bound.
pub const MAX_TEXT_BYTES: usize = 1024;

/// What a name may be, for messages.
pub const NAME_RULE: &str = "one or more of A-Z a-z 0-9 _ . -, starting with a letter or digit";

/// `text` on one line, every character a terminal would act on or hide escaped the way Rust
/// escapes it (`\u{1b}`, `\n`, `\t`, `\0`, `\u{202e}`), and at most `max_bytes` of it kept: past
/// them, `… (N bytes)` says the whole text's size. Quotes and backslashes stay as they are, so a
/// message quoting a name reads as written.
pub fn escape(text: &str, max_bytes: usize) -> String {
    match escape_start(text, max_bytes) {
        (shown, false) => shown,
        (shown, true) => format!("{shown}… ({} bytes)", text.len()),
    }
}

/// The escaped start of `text`, at most `max_bytes`, and whether it was cut.
fn escape_start(text: &str, max_bytes: usize) -> (String, bool) {
    let mut out = String::with_capacity(text.len().min(max_bytes));
    for c in text.chars() {
        let before = out.len();
        push_escaped(&mut out, c);
        if out.len() > max_bytes {
            out.truncate(before);
            return (out, true);
        }
    }
    (out, false)
}

/// [`escape`], keeping the end of `text` rather than its start: `…` then its last `max_bytes`
/// (escaped). For the end of a log, where the last words matter.
pub fn escape_end(text: &str, max_bytes: usize) -> String {
    let mut pieces = Vec::new();
    let mut kept = 0;
    let mut cut = false;
    for c in text.chars().rev() {
        let mut piece = String::new();
        push_escaped(&mut piece, c);
        if kept + piece.len() > max_bytes {
            cut = true;
            break;
        }
        kept += piece.len();
        pieces.push(piece);
    }
    let tail: String = pieces.into_iter().rev().collect();
    if cut { format!("…{tail}") } else { tail }
}

/// `name` quoted for a message about it, escaped and bounded: `"x y"`, `"\u{1b}[2J"`,
/// `"aaaa…" (… 300 bytes)`.
pub fn quote(name: &str) -> String {
    match escape_start(name, MAX_NAME_BYTES) {
        (shown, false) => format!("\"{shown}\""),
        (shown, true) => format!("\"{shown}…\" ({} bytes)", name.len()),
    }
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        // Printable; Rust's escape would add a backslash.
        '"' | '\'' | '\\' => out.push(c),
        // Rust's own table: control and format characters, separators, unassigned and private
        // code points, combining marks.
        c => out.extend(c.escape_debug()),
    }
}

/// Why a name is not one, with what [`NAME_RULE`] expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadName {
    Empty,
    /// A character outside the rule, first found.
    Char(char),
    /// A first character other than a letter or digit.
    Start(char),
    TooLong {
        bytes: usize,
        max_bytes: usize,
    },
}

impl fmt::Display for BadName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadName::Empty => write!(f, "empty (expected {NAME_RULE})"),
            BadName::Char(c) => write!(f, "{c:?} is not allowed (expected {NAME_RULE})"),
            BadName::Start(c) => write!(f, "starts with {c:?} (expected {NAME_RULE})"),
            BadName::TooLong { bytes, max_bytes } => {
                write!(f, "{bytes} bytes (expected at most {max_bytes})")
            }
        }
    }
}

/// `name` follows [`NAME_RULE`] and has at most `max_bytes` bytes.
pub fn check_name(name: &str, max_bytes: usize) -> Result<(), BadName> {
    if name.len() > max_bytes {
        return Err(BadName::TooLong { bytes: name.len(), max_bytes });
    }
    let mut chars = name.chars();
    let first = chars.next().ok_or(BadName::Empty)?;
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    if let Some(bad) = name.chars().find(|&c| !allowed(c)) {
        return Err(BadName::Char(bad));
    }
    if !first.is_ascii_alphanumeric() {
        return Err(BadName::Start(first));
    }
    Ok(())
}

/// A field of `describe` that is not acceptable: `params[1].name "x y": ' ' is not allowed (…)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}{}: {problem}", quoted.as_ref().map(|q| format!(" {q}")).unwrap_or_default())]
pub struct InvalidDescription {
    /// `name`, `params[1].name`, `outputs[0]`.
    pub field: String,
    /// The value, quoted by [`quote`], when it is a name.
    pub quoted: Option<String>,
    pub problem: String,
}

impl InvalidDescription {
    fn name(field: String, name: &str, problem: impl ToString) -> Self {
        InvalidDescription { field, quoted: Some(quote(name)), problem: problem.to_string() }
    }
}

/// What a plugin describes, checked as a whole and made safe to show: every name follows the
/// rule (plugin and parameter names within [`MAX_NAME_BYTES`], outputs within
/// `output_name_bytes`), parameter and output names are unique and no output is `ts` or `symbol`; a text
/// default is at most [`MAX_TEXT_BYTES`] (it is a value, passed back unchanged, so never cut);
/// the version and the descriptions are escaped and bounded. The first problem is the error.
/// Linear in the number of names: a plugin may describe millions.
pub fn check_info(mut info: PluginInfo, output_name_bytes: usize) -> Result<PluginInfo, InvalidDescription> {
    let name = |field: String, value: &str, max_bytes| {
        check_name(value, max_bytes).map_err(|bad| InvalidDescription::name(field, value, bad))
    };
    name("name".into(), &info.name, MAX_NAME_BYTES)?;
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(info.params.len());
    for (i, param) in info.params.iter().enumerate() {
        let field = format!("params[{i}].name");
        name(field.clone(), &param.name, MAX_NAME_BYTES)?;
        if let Some(first) = seen.insert(&param.name, i) {
            return Err(InvalidDescription::name(
                field,
                &param.name,
                format!("declared twice (params[{first}] too)"),
            ));
        }
        if let ParamValue::Text(text) = &param.default
            && text.len() > MAX_TEXT_BYTES
        {
            return Err(InvalidDescription {
                field: format!("params[{i}].default"),
                quoted: None,
                problem: format!("text of {} bytes (expected at most {MAX_TEXT_BYTES})", text.len()),
            });
        }
    }
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(info.outputs.len());
    for (i, output) in info.outputs.iter().enumerate() {
        let field = format!("outputs[{i}]");
        name(field.clone(), output, output_name_bytes)?;
        if let Some(first) = seen.insert(output, i) {
            return Err(InvalidDescription::name(
                field,
                output,
                format!("listed twice (outputs[{first}] too)"),
            ));
        }
        if output == "ts" {
            return Err(InvalidDescription::name(field, output, "reserved for the timestamp column"));
        }
        if output == "symbol" {
            return Err(InvalidDescription::name(
                field,
                output,
                "reserved for the symbol column of datasets",
            ));
        }
    }
    info.version = escape(&info.version, MAX_VERSION_BYTES);
    info.description = escape(&info.description, MAX_TEXT_BYTES);
    for param in &mut info.params {
        param.description = escape(&param.description, MAX_TEXT_BYTES);
    }
    Ok(info)
}

/// The column names of a returned table follow the name rule; their length is the output
/// limits' (`RuntimeLimits::check_output`). The message names the column.
pub fn check_column_names(table: &Table) -> Result<(), String> {
    for (i, (name, _)) in table.columns.iter().enumerate() {
        check_name(name, usize::MAX).map_err(|bad| format!("columns[{i}].name {}: {bad}", quote(name)))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ColumnValues, ParamSpec};

    #[test]
    fn escape_shows_control_and_invisible_characters_on_one_line() {
        let fake = "boom\n\u{1b}[2K\runits: 4 ok, 0 failed\0\t\u{202e}\u{7f}";
        assert_eq!(escape(fake, MAX_TEXT_BYTES), r"boom\n\u{1b}[2K\runits: 4 ok, 0 failed\0\t\u{202e}\u{7f}");
        assert_eq!(escape(r#"parameter "period" \d 'x' é €"#, 100), r#"parameter "period" \d 'x' é €"#);
    }

    #[test]
    fn escape_cuts_at_the_bound_and_says_how_long_the_text_was() {
        let huge = "x".repeat(64 << 20);
        let shown = escape(&huge, MAX_TEXT_BYTES);
        assert_eq!(shown, format!("{}… (67108864 bytes)", "x".repeat(MAX_TEXT_BYTES)));
        // An escape is kept whole or not at all; a character is never split.
        assert_eq!(escape("ab\u{1b}", 7), "ab… (3 bytes)");
        assert_eq!(escape("ab\u{1b}", 8), r"ab\u{1b}");
        assert_eq!(escape("éé", 3), "é… (4 bytes)");
        assert_eq!(escape_end("line one\nlast words", 10), r"…last words");
        assert_eq!(escape_end("a\u{1b}", 100), r"a\u{1b}");
    }

    #[test]
    fn names_follow_the_rule() {
        for good in ["indicators", "sma_200", "bb.upper", "v-2", "A", "0dte", &"a".repeat(64)] {
            assert_eq!(check_name(good, MAX_NAME_BYTES), Ok(()), "{good}");
        }
        let bad = |name: &str| check_name(name, MAX_NAME_BYTES).unwrap_err().to_string();
        assert_eq!(bad(""), format!("empty (expected {NAME_RULE})"));
        assert_eq!(bad("x y"), format!("' ' is not allowed (expected {NAME_RULE})"));
        assert_eq!(bad("\u{1b}[2J"), format!("'\\u{{1b}}' is not allowed (expected {NAME_RULE})"));
        assert_eq!(bad("nul\0"), format!("'\\0' is not allowed (expected {NAME_RULE})"));
        assert_eq!(bad("../../escaped"), format!("'/' is not allowed (expected {NAME_RULE})"));
        assert_eq!(bad(".hidden"), format!("starts with '.' (expected {NAME_RULE})"));
        assert_eq!(bad("é"), format!("'é' is not allowed (expected {NAME_RULE})"));
        assert_eq!(bad(&"a".repeat(65)), "65 bytes (expected at most 64)");
    }

    #[test]
    fn a_bad_name_is_quoted_escaped_and_bounded() {
        assert_eq!(quote("x y"), "\"x y\"");
        assert_eq!(quote("\u{1b}[31mred"), r#""\u{1b}[31mred""#);
        let long = "n".repeat(16 << 20);
        assert_eq!(quote(&long), format!("\"{}…\" (16777216 bytes)", "n".repeat(MAX_NAME_BYTES)));
    }

    fn info() -> PluginInfo {
        let spec = |name: &str, default| ParamSpec { name: name.into(), default, description: "d".into() };
        PluginInfo {
            name: "hog".into(),
            version: "0.1.0".into(),
            description: "a plugin".into(),
            params: vec![spec("period", ParamValue::Int(20)), spec("how", ParamValue::Text("x".into()))],
            outputs: vec!["sma".into(), "ema".into()],
        }
    }

    #[test]
    fn describe_is_checked_as_a_whole_naming_the_field() {
        assert_eq!(check_info(info(), 256), Ok(info()));
        let err = |change: fn(&mut PluginInfo)| {
            let mut info = info();
            change(&mut info);
            check_info(info, 256).unwrap_err().to_string()
        };
        assert_eq!(err(|i| i.name = String::new()), format!("name \"\": empty (expected {NAME_RULE})"));
        assert_eq!(
            err(|i| i.params[1].name = "x y".into()),
            format!("params[1].name \"x y\": ' ' is not allowed (expected {NAME_RULE})")
        );
        assert_eq!(
            err(|i| i.params[1].name = "period".into()),
            "params[1].name \"period\": declared twice (params[0] too)"
        );
        assert_eq!(
            err(|i| i.params[1].default = ParamValue::Text("t".repeat(2000))),
            "params[1].default: text of 2000 bytes (expected at most 1024)"
        );
        assert_eq!(err(|i| i.outputs[1] = "sma".into()), "outputs[1] \"sma\": listed twice (outputs[0] too)");
        assert_eq!(
            err(|i| i.outputs[0] = "ts".into()),
            "outputs[0] \"ts\": reserved for the timestamp column"
        );
        assert_eq!(
            err(|i| i.outputs[0] = "o".repeat(300)),
            format!("outputs[0] \"{}…\" (300 bytes): 300 bytes (expected at most 256)", "o".repeat(64))
        );
        assert_eq!(
            err(|i| i.name = "n".repeat(65)),
            format!("name \"{}…\" (65 bytes): 65 bytes (expected at most 64)", "n".repeat(64))
        );
    }

    #[test]
    fn describe_text_is_escaped_and_bounded() {
        let mut raw = info();
        raw.version = "1\u{1b}[2J".into();
        raw.description = "line\nfake".repeat(1000);
        raw.params[0].description = "\u{7}bell".into();
        let info = check_info(raw, 256).unwrap();
        assert_eq!(info.version, r"1\u{1b}[2J");
        assert!(info.description.starts_with(r"line\nfakeline\nfake"), "{}", info.description);
        assert!(info.description.ends_with("… (9000 bytes)"), "{}", info.description);
        assert_eq!(info.params[0].description, r"\u{7}bell");
    }

    #[test]
    fn returned_column_names_follow_the_rule() {
        let table = |names: &[&str]| Table {
            ts: vec![1],
            columns: names.iter().map(|n| (n.to_string(), ColumnValues::Float(vec![1.0]))).collect(),
        };
        assert_eq!(check_column_names(&table(&["sma", "bb.upper"])), Ok(()));
        assert_eq!(
            check_column_names(&table(&["sma", "\u{1b}[2J"])).unwrap_err(),
            format!("columns[1].name \"\\u{{1b}}[2J\": '\\u{{1b}}' is not allowed (expected {NAME_RULE})")
        );
        assert_eq!(
            check_column_names(&table(&[""])).unwrap_err(),
            format!("columns[0].name \"\": empty (expected {NAME_RULE})")
        );
    }
}
