//! A start-dependent feature builder: `running_sum` adds up the closes from the window's first
//! bar, with no warm-up declared, so the same bar's value depends on where the window starts.
//! `candlewick check` must catch it: start the window later and every row differs.

#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({ world: "feature-builder", path: "../../../wit" });
}

use bindings::candlewick::market_data::{plugin as wit, reader, types};

struct Drift;

impl bindings::Guest for Drift {
    fn describe() -> wit::PluginInfo {
        wit::PluginInfo {
            name: "drift".into(),
            version: "0.1.0".into(),
            description: "the sum of closes since the window's start: start-dependent, on purpose".into(),
            params: Vec::new(),
            outputs: vec!["running_sum".into()],
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
        let running_sum = bars
            .close
            .iter()
            .scan(0.0, |sum, close| {
                *sum += close;
                Some(*sum)
            })
            .collect();
        Ok(wit::Table {
            ts: bars.ts,
            columns: vec![wit::Column {
                name: "running_sum".into(),
                values: wit::ColumnValues::Float(running_sum),
            }],
        })
    }
}

#[allow(unsafe_code, reason = "wit-bindgen's generated export glue is unsafe by construction")]
mod export {
    use super::Drift;
    crate::bindings::export!(Drift with_types_in crate::bindings);
}
