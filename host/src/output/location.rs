//! Where a unit's file goes, derived only from validated names: an output name per plugin entry
//! (the job's `name:` or the plugin's own, which is untrusted) and the symbol, encoded as a file
//! name. Nothing a plugin or a data row says can make a path leave the job's output folder.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::domain::Symbol;
use crate::runtime::{BadName, MAX_NAME_BYTES, check_name, quote};

/// Longest output name, in bytes: a plugin's own name may be one, so the bound is the plugin
/// name's ([`MAX_NAME_BYTES`]), a folder name every file system takes.
pub const MAX_OUTPUT_NAME_BYTES: usize = MAX_NAME_BYTES;

/// The name of one plugin entry's output folder: a name by the rule every plugin name follows
/// ([`check_name`]: ASCII letters, digits, `_`, `-` and `.`, starting with a letter or a digit),
/// of at most [`MAX_OUTPUT_NAME_BYTES`]. So it is one path component, never `.` or `..`, never
/// absolute, and the same on every file system.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OutputName(String);

/// A name that cannot name an output folder; the message quotes it (escaped, bounded) and says
/// what is expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{quoted} cannot name an output folder: {problem}")]
pub struct InvalidOutputName {
    quoted: String,
    problem: BadName,
}

impl OutputName {
    pub fn new(name: &str) -> Result<Self, InvalidOutputName> {
        check_name(name, MAX_OUTPUT_NAME_BYTES)
            .map_err(|problem| InvalidOutputName { quoted: quote(name), problem })?;
        Ok(OutputName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OutputName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The file name of a symbol's output: the symbol with every byte outside `A-Z a-z 0-9 _ - .`
/// percent-encoded (RFC 3986), so `BTC/USDT` is `BTC%2FUSDT.parquet` and `../x` stays in its
/// folder as `..%2Fx.parquet`. Decoding gives the symbol back.
pub fn symbol_file_name(symbol: &Symbol) -> String {
    let mut name = String::with_capacity(symbol.as_str().len() + 8);
    for byte in symbol.as_str().bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.') {
            name.push(byte as char);
        } else {
            name.push_str(&format!("%{byte:02X}"));
        }
    }
    name.push_str(".parquet");
    name
}

/// `dir` exists and is, once symbolic links are resolved, a folder directly inside `root`: a link
/// planted at `root/<name>` that points elsewhere is refused rather than followed.
pub fn check_inside(root: &Path, dir: &Path) -> Result<(), String> {
    let real_root = root.canonicalize().map_err(|err| format!("resolving {}: {err}", root.display()))?;
    let real_dir = dir.canonicalize().map_err(|err| format!("resolving {}: {err}", dir.display()))?;
    if real_dir.parent() == Some(real_root.as_path()) {
        Ok(())
    } else {
        Err(format!(
            "{} resolves to {}, outside the output folder {} (expected a folder inside it, not a link out of it)",
            dir.display(),
            real_dir.display(),
            real_root.display()
        ))
    }
}

/// `root/<name>/<symbol file>`.
pub fn unit_path(root: &Path, name: &OutputName, symbol: &Symbol) -> PathBuf {
    root.join(name.as_str()).join(symbol_file_name(symbol))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_names_are_one_plain_path_component() {
        for good in ["indicators", "sma-200", "v1.2_x", "A", &"a".repeat(MAX_OUTPUT_NAME_BYTES)] {
            assert_eq!(OutputName::new(good).unwrap().as_str(), good);
        }
        for bad in [
            "",
            ".",
            "..",
            "../../escaped",
            "/abs",
            "a/b",
            "a\\b",
            ".hidden",
            "-flag",
            "sp ace",
            "tab\t",
            "nul\0",
            "é",
            "\u{1b}[2K",
            &"a".repeat(MAX_OUTPUT_NAME_BYTES + 1),
        ] {
            assert!(OutputName::new(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn an_invalid_name_is_quoted_escaped_and_bounded() {
        let err = OutputName::new("\u{1b}[31mred").unwrap_err().to_string();
        assert!(err.starts_with(r#""\u{1b}[31mred" cannot name an output folder"#), "{err}");
        let err = OutputName::new(&"x".repeat(10_000)).unwrap_err().to_string();
        assert!(err.len() < 300 && err.contains("…\" (10000 bytes)"), "{err}");
    }

    #[test]
    fn symbols_become_file_names_that_stay_in_their_folder_and_decode_back() {
        let name = |s: &str| symbol_file_name(&Symbol::new(s).unwrap());
        assert_eq!(name("EURUSD"), "EURUSD.parquet");
        assert_eq!(name("BTC/USDT"), "BTC%2FUSDT.parquet");
        assert_eq!(name("ES=F"), "ES%3DF.parquet");
        assert_eq!(name("../x"), "..%2Fx.parquet");
        assert_eq!(name("a b%"), "a%20b%25.parquet");
        for symbol in ["BTC/USDT", "ES=F", "../x", "a b%", "^GSPC", "Ünï"] {
            let file = name(symbol);
            assert!(!file.contains('/') && !file.contains('\\'), "{file}");
            let stem = file.strip_suffix(".parquet").unwrap();
            let mut bytes = Vec::new();
            let mut i = 0;
            while i < stem.len() {
                if &stem[i..i + 1] == "%" {
                    bytes.push(u8::from_str_radix(&stem[i + 1..i + 3], 16).unwrap());
                    i += 3;
                } else {
                    bytes.push(stem.as_bytes()[i]);
                    i += 1;
                }
            }
            assert_eq!(String::from_utf8(bytes).unwrap(), symbol, "round trip of {symbol}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_link_out_of_the_root_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("real")).unwrap();
        assert_eq!(check_inside(root.path(), &root.path().join("real")), Ok(()));
        std::os::unix::fs::symlink(elsewhere.path(), root.path().join("link")).unwrap();
        let err = check_inside(root.path(), &root.path().join("link")).unwrap_err();
        assert!(err.contains("outside the output folder"), "{err}");
        std::os::unix::fs::symlink(root.path().join("real"), root.path().join("inner")).unwrap();
        assert_eq!(check_inside(root.path(), &root.path().join("inner")), Ok(()), "a link that stays inside");
    }
}
