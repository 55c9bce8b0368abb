//! What a plugin will read for one set of parameters (contract 0.2's `plan`), and each of its
//! inputs as the host scopes it for one unit of work.
//!
//! A 0.1 plugin has no plan: it reads its unit's own series, every field, with the warm-up it
//! describes ([`Plan::own_series`]).

use std::fmt;

use super::{Fields, Symbol, Timeframe, Timestamp};

/// Which symbols an input reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SymbolSelector {
    /// The unit's own symbol; in a cross-section unit, every symbol of the unit.
    Own,
    /// One fixed symbol, such as a market index.
    Fixed(Symbol),
    /// Every symbol of the job.
    Every,
}

/// One series, or one timeframe of several symbols, that a plugin reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// `None`: the unit's own timeframe.
    pub timeframe: Option<Timeframe>,
    pub symbols: SymbolSelector,
    /// The value columns it reads.
    pub fields: Fields,
    /// Stored bars before the window's start it reads to warm up.
    pub warm_up_bars: u32,
}

/// What a plugin reads for one set of parameters: at least one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub inputs: Vec<Input>,
}

impl Plan {
    /// The plan of a 0.1 plugin: its unit's own series, every field, `warm_up_bars` bars of
    /// warm-up.
    pub fn own_series(warm_up_bars: u32) -> Plan {
        Plan {
            inputs: vec![Input {
                timeframe: None,
                symbols: SymbolSelector::Own,
                fields: Fields::ALL,
                warm_up_bars,
            }],
        }
    }

    /// The warm-up of the unit's own series: the largest an input at the own symbol and
    /// timeframe declares (0 when none reads it).
    pub fn own_warm_up_bars(&self) -> u32 {
        self.inputs
            .iter()
            .filter(|i| i.timeframe.is_none() && i.symbols == SymbolSelector::Own)
            .map(|i| i.warm_up_bars)
            .max()
            .unwrap_or(0)
    }
}

/// An input as scoped for one unit: exactly what the reader serves of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopedInput {
    /// The symbols it resolved to, in byte order.
    pub symbols: Vec<Symbol>,
    pub timeframe: Timeframe,
    pub fields: Fields,
    /// The earliest instant it may read: the earliest warm-up start of its symbols.
    pub warm_up_from: Timestamp,
}

/// `[open high close]`: the fields' names, in the contract's order.
#[derive(Debug, Clone, Copy)]
pub struct FieldNames(pub Fields);

impl fmt::Display for FieldNames {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (Fields::OPEN, "open"),
            (Fields::HIGH, "high"),
            (Fields::LOW, "low"),
            (Fields::CLOSE, "close"),
            (Fields::VOLUME, "volume"),
        ];
        let listed: Vec<&str> =
            names.iter().filter(|(field, _)| self.0.contains(*field)).map(|(_, name)| *name).collect();
        write!(f, "[{}]", listed.join(" "))
    }
}

impl fmt::Display for Input {
    /// `SPX 1d [close], warm-up 20 bars`; `the unit's series [close], warm-up 0 bars`; `every
    /// symbol at 1d [close], warm-up 5 bars`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.symbols, self.timeframe) {
            (SymbolSelector::Own, None) => f.write_str("the unit's series")?,
            (SymbolSelector::Own, Some(tf)) => write!(f, "the unit's symbol at {tf}")?,
            (SymbolSelector::Fixed(symbol), None) => write!(f, "{symbol} at the unit's timeframe")?,
            (SymbolSelector::Fixed(symbol), Some(tf)) => write!(f, "{symbol} {tf}")?,
            (SymbolSelector::Every, None) => f.write_str("every symbol at the unit's timeframe")?,
            (SymbolSelector::Every, Some(tf)) => write!(f, "every symbol at {tf}")?,
        }
        write!(f, " {}, warm-up {} bars", FieldNames(self.fields), self.warm_up_bars)
    }
}

impl fmt::Display for ScopedInput {
    /// `AAA,BBB 1h [close] from 2024-01-01T00:00:00Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let symbols: Vec<&str> = self.symbols.iter().map(Symbol::as_str).collect();
        write!(f, "{} {} {}", symbols.join(","), self.timeframe, FieldNames(self.fields))?;
        if self.warm_up_from == Timestamp::MIN {
            f.write_str(" from the first bar")
        } else {
            write!(f, " from {}", self.warm_up_from)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_read_as_their_series_fields_and_warm_up() {
        let input = Input {
            timeframe: Some(Timeframe::Day1),
            symbols: SymbolSelector::Fixed(Symbol::new("SPX").unwrap()),
            fields: Fields::CLOSE | Fields::HIGH,
            warm_up_bars: 20,
        };
        assert_eq!(input.to_string(), "SPX 1d [high close], warm-up 20 bars");
        let own = &Plan::own_series(33).inputs[0];
        assert_eq!(own.to_string(), "the unit's series [open high low close volume], warm-up 33 bars");
    }

    #[test]
    fn the_own_warm_up_is_the_largest_an_own_input_declares() {
        let mut plan = Plan::own_series(10);
        plan.inputs.push(Input { warm_up_bars: 40, ..plan.inputs[0].clone() });
        plan.inputs.push(Input {
            timeframe: Some(Timeframe::Day1),
            warm_up_bars: 99,
            ..plan.inputs[0].clone()
        });
        assert_eq!(plan.own_warm_up_bars(), 40);
    }
}
