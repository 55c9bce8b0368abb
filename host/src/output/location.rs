//! Where a unit's file goes, derived only from validated names: a dataset folder per plugin entry
//! (its output name — the job's `name:` or the plugin's own, which is untrusted — and a hash),
//! a hive partition folder per symbol (`symbol=<percent-encoded>`), and one file in it. Nothing a
//! plugin or a data row says can make a path leave the job's output folder.

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

/// The folder of one dataset: an output name and the first 8 hex digits of a hash of what makes
/// its rows (`indicators-1f2e3d4c`), so that other parameters or another build of the plugin
/// write another dataset rather than mixing into this one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DatasetDir(String);

/// Hex digits of the hash in a dataset's folder name: 32 bits, readable, and enough to keep the
/// few parameter sets of one plugin apart.
pub const DATASET_HASH_DIGITS: usize = 8;

impl DatasetDir {
    /// `<name>-<first digits of hash>`; `hash` is lowercase hex of at least
    /// [`DATASET_HASH_DIGITS`] digits.
    pub fn new(name: &OutputName, hash: &str) -> Self {
        let digits = &hash[..DATASET_HASH_DIGITS];
        assert!(digits.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)), "a hex hash");
        DatasetDir(format!("{name}-{digits}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DatasetDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The hive partition folder of a symbol: `symbol=` and the symbol with every byte outside
/// `A-Z a-z 0-9 _ - .` percent-encoded (RFC 3986), so `BTC/USDT` is `symbol=BTC%2FUSDT` and
/// `ES=F` is `symbol=ES%3DF`; pandas, polars, pyarrow and DuckDB decode it back to the symbol in a
/// `symbol` column. `../x` stays in its folder as `symbol=..%2Fx`.
pub fn symbol_partition(symbol: &Symbol) -> String {
    let mut name = String::with_capacity(symbol.as_str().len() + 8);
    name.push_str("symbol=");
    for byte in symbol.as_str().bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.') {
            name.push(byte as char);
        } else {
            name.push_str(&format!("%{byte:02X}"));
        }
    }
    name
}

/// The longest file or folder name the common file systems take, in bytes.
pub const MAX_FILE_NAME_BYTES: usize = 255;

/// The partition folder of `symbol`, or why it cannot be one (longer than a file name may be).
pub fn checked_symbol_partition(symbol: &Symbol) -> Result<String, String> {
    let partition = symbol_partition(symbol);
    if partition.len() > MAX_FILE_NAME_BYTES {
        return Err(format!(
            "symbol {}: its folder name {partition} is {} bytes (expected at most {MAX_FILE_NAME_BYTES})",
            quote(symbol.as_str()),
            partition.len()
        ));
    }
    Ok(partition)
}

/// The name of a unit's file inside its partition folder.
pub const UNIT_FILE_NAME: &str = "data.parquet";

/// A unit's file while it is written: hidden (a leading `.`), which pyarrow, pandas and polars skip
/// when they list a dataset, and named by the writing process.
pub fn temporary_file_name(pid: u32) -> String {
    format!(".{UNIT_FILE_NAME}.tmp-{pid}")
}

/// Whether a file name is a temporary one of [`temporary_file_name`], of any process.
pub fn is_temporary_file_name(name: &str) -> bool {
    name.strip_prefix(&format!(".{UNIT_FILE_NAME}.tmp-"))
        .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}

/// `dir` exists and is, once symbolic links are resolved, a folder `depth` levels inside `root`
/// (1: directly inside): a link planted in the output that points elsewhere is refused rather
/// than followed.
pub fn check_inside(root: &Path, dir: &Path, depth: usize) -> Result<(), String> {
    let real_root = root.canonicalize().map_err(|err| format!("resolving {}: {err}", root.display()))?;
    let real_dir = dir.canonicalize().map_err(|err| format!("resolving {}: {err}", dir.display()))?;
    if real_dir.ancestors().nth(depth) == Some(real_root.as_path()) {
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

/// `root/<dataset>/symbol=<encoded>/data.parquet`.
pub fn unit_path(root: &Path, dataset: &str, symbol: &Symbol) -> PathBuf {
    root.join(dataset).join(symbol_partition(symbol)).join(UNIT_FILE_NAME)
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
    fn symbols_become_partition_folders_that_stay_in_their_dataset_and_decode_back() {
        let name = |s: &str| symbol_partition(&Symbol::new(s).unwrap());
        assert_eq!(name("EURUSD"), "symbol=EURUSD");
        assert_eq!(name("BTC/USDT"), "symbol=BTC%2FUSDT");
        assert_eq!(name("ES=F"), "symbol=ES%3DF");
        assert_eq!(name("../x"), "symbol=..%2Fx");
        assert_eq!(name("a b%"), "symbol=a%20b%25");
        for symbol in ["BTC/USDT", "ES=F", "../x", "a b%", "^GSPC", "Ünï"] {
            let folder = name(symbol);
            assert!(!folder.contains('/') && !folder.contains('\\'), "{folder}");
            let value = folder.strip_prefix("symbol=").unwrap();
            assert!(!value.contains('='), "{folder}: one `=`, the hive key's");
            let mut bytes = Vec::new();
            let mut i = 0;
            while i < value.len() {
                if &value[i..i + 1] == "%" {
                    bytes.push(u8::from_str_radix(&value[i + 1..i + 3], 16).unwrap());
                    i += 3;
                } else {
                    bytes.push(value.as_bytes()[i]);
                    i += 1;
                }
            }
            assert_eq!(String::from_utf8(bytes).unwrap(), symbol, "round trip of {symbol}");
        }
        assert!(checked_symbol_partition(&Symbol::new("EURUSD").unwrap()).is_ok());
    }

    #[test]
    fn temporary_files_are_hidden_and_recognised() {
        assert_eq!(temporary_file_name(42), ".data.parquet.tmp-42");
        assert!(is_temporary_file_name(".data.parquet.tmp-42"));
        for other in ["data.parquet", ".data.parquet.tmp-", ".data.parquet.tmp-4x", "x.data.parquet.tmp-1"] {
            assert!(!is_temporary_file_name(other), "{other}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_link_out_of_the_root_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("real")).unwrap();
        assert_eq!(check_inside(root.path(), &root.path().join("real"), 1), Ok(()));
        std::fs::create_dir(root.path().join("real/deeper")).unwrap();
        assert_eq!(check_inside(root.path(), &root.path().join("real/deeper"), 2), Ok(()));
        assert!(check_inside(root.path(), &root.path().join("real/deeper"), 1).is_err(), "not at its depth");
        std::os::unix::fs::symlink(elsewhere.path(), root.path().join("link")).unwrap();
        let err = check_inside(root.path(), &root.path().join("link"), 1).unwrap_err();
        assert!(err.contains("outside the output folder"), "{err}");
        std::os::unix::fs::symlink(root.path().join("real"), root.path().join("inner")).unwrap();
        assert_eq!(
            check_inside(root.path(), &root.path().join("inner"), 1),
            Ok(()),
            "a link that stays inside"
        );
        std::fs::create_dir(root.path().join("ds")).unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), root.path().join("ds/symbol=X")).unwrap();
        assert!(
            check_inside(root.path(), &root.path().join("ds/symbol=X"), 2).is_err(),
            "a partition linked out"
        );
    }
}
