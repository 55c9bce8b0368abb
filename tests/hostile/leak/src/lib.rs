//! A feature builder with the classic look-ahead bug: each row's `next_close` is the close of the
//! bar after it (pandas' `shift(-1)`), read from within the unit's own window, so the host's scope
//! allows it. `candlewick check` must catch it: cut the window's end and the row at the cut loses
//! the value it had in the full run.

#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({ world: "feature-builder", path: "../../../wit" });
}

use bindings::candlewick::market_data::{plugin as wit, reader, types};

struct Leak;

impl bindings::Guest for Leak {
    fn describe() -> wit::PluginInfo {
        wit::PluginInfo {
            name: "leak".into(),
            version: "0.1.0".into(),
            description: "each row's next bar's close: look-ahead, on purpose".into(),
            params: Vec::new(),
            outputs: vec!["next_close".into()],
        }
    }

    fn plan(_params: Vec<wit::Param>) -> Result<wit::Plan, wit::PluginError> {
        let own = wit::Input {
            timeframe: None,
            symbols: wit::SymbolSelector::UnitSymbol,
            fields: types::Fields::CLOSE,
            warm_up_bars: 0,
        };
        Ok(wit::Plan { inputs: vec![own] })
    }

    fn build(unit: wit::UnitOfWork) -> Result<wit::Table, wit::PluginError> {
        let bars = reader::range(&unit.symbol, unit.timeframe, unit.window, types::Fields::CLOSE)
            .map_err(wit::PluginError::Read)?;
        let next_close =
            (0..bars.ts.len()).map(|i| bars.close.get(i + 1).copied().unwrap_or(f64::NAN)).collect();
        Ok(wit::Table {
            ts: bars.ts,
            columns: vec![wit::Column {
                name: "next_close".into(),
                values: wit::ColumnValues::Float(next_close),
            }],
        })
    }
}

#[allow(unsafe_code, reason = "wit-bindgen's generated export glue is unsafe by construction")]
mod export {
    use super::Leak;
    crate::bindings::export!(Leak with_types_in crate::bindings);
}
