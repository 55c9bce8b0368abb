//! Instrument symbols, as stored in `market_data.symbol VARCHAR(20)`.

use std::fmt;
use std::sync::Arc;

use super::InvalidArgument;

/// Longest symbol the `symbol VARCHAR(20)` column holds, in characters.
pub const MAX_SYMBOL_CHARS: usize = 20;

/// A validated symbol: not empty, at most [`MAX_SYMBOL_CHARS`] characters, no surrounding space.
/// Ordering is byte order, which the PostgreSQL adapter matches with `COLLATE "C"`. Shared text:
/// a million bars of one symbol clone a pointer, not a string.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Symbol(Arc<str>);

impl Symbol {
    pub fn new(text: impl Into<String>) -> Result<Self, InvalidArgument> {
        let text = text.into();
        if text.is_empty() {
            return Err(InvalidArgument::new("empty symbol (expected 1 to 20 characters)"));
        }
        if text.chars().count() > MAX_SYMBOL_CHARS {
            return Err(InvalidArgument::new(format!(
                "symbol {} is longer than {MAX_SYMBOL_CHARS} characters",
                super::quoted(&text)
            )));
        }
        if text.trim() != text {
            return Err(InvalidArgument::new(format!(
                "symbol {} has leading or trailing white space",
                super::quoted(&text)
            )));
        }
        Ok(Symbol(text.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for Symbol {
    type Err = InvalidArgument;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Symbol::new(text)
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Symbol {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Symbols sorted by bytes without duplicates: the order every multi-symbol operation answers in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SymbolSet(Vec<Symbol>);

impl SymbolSet {
    /// Validates each text, then sorts and removes duplicates.
    pub fn parse<S: AsRef<str>>(texts: &[S]) -> Result<Self, InvalidArgument> {
        texts.iter().map(|text| Symbol::new(text.as_ref())).collect::<Result<Vec<_>, _>>().map(Self::from)
    }

    pub fn as_slice(&self) -> &[Symbol] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Symbol> {
        self.0.iter()
    }
}

impl From<Vec<Symbol>> for SymbolSet {
    fn from(mut symbols: Vec<Symbol>) -> Self {
        symbols.sort();
        symbols.dedup();
        SymbolSet(symbols)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbol_rejects_empty_long_and_padded_text() {
        assert_eq!(Symbol::new("").unwrap_err().to_string(), "empty symbol (expected 1 to 20 characters)");
        assert!(Symbol::new("X".repeat(21)).unwrap_err().to_string().contains("longer than 20"));
        assert!(Symbol::new(" SPY").is_err());
        assert_eq!(Symbol::new("X".repeat(20)).unwrap().as_str().len(), 20);
    }

    #[test]
    fn symbol_set_sorts_by_bytes_and_dedups() {
        let symbols = SymbolSet::parse(&["b", "B", "a", "b"]).unwrap();
        let texts: Vec<&str> = symbols.iter().map(Symbol::as_str).collect();
        assert_eq!(texts, ["B", "a", "b"]);
    }
}
