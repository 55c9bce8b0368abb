//! A cross-section plugin whose rows lie as its `case` parameter says: `extra` adds a row one
//! microsecond after the first bar (not an input bar), `unsorted` returns the rows by symbol, then
//! time, `index` names a symbol index past the unit's symbols, `ok` returns one row per input bar
//! (its close). The unit must fail naming the plugin and the expectation, and write nothing.

#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({ world: "cross-section", path: "../../../wit" });
}

use bindings::candlewick::market_data::{plugin as wit, reader, types};

struct Xliar;

impl bindings::Guest for Xliar {
    fn describe() -> wit::PluginInfo {
        wit::PluginInfo {
            name: "xliar".into(),
            version: "0.1.0".into(),
            description: "a cross-section that lies about its rows on request".into(),
            params: vec![wit::ParamSpec {
                name: "case".into(),
                default: wit::ParamValue::Text("ok".into()),
                description: "extra, unsorted, index or ok".into(),
            }],
            outputs: vec!["close".into()],
        }
    }

    fn plan(_params: Vec<wit::Param>) -> Result<wit::Plan, wit::PluginError> {
        let every = wit::Input {
            timeframe: None,
            symbols: wit::SymbolSelector::UnitSymbol,
            fields: types::Fields::CLOSE,
            warm_up_bars: 0,
        };
        Ok(wit::Plan { inputs: vec![every] })
    }

    fn cross_section(unit: wit::CrossSectionUnit) -> Result<wit::LongTable, wit::PluginError> {
        let case = unit.params.iter().find_map(|p| match &p.value {
            wit::ParamValue::Text(case) if p.name == "case" => Some(case.clone()),
            _ => None,
        });
        // (ts, symbol index, close), ascending by time, then symbol.
        let mut rows: Vec<(i64, u32, f64)> = Vec::new();
        for (index, symbol) in unit.symbols.iter().enumerate() {
            let bars = reader::range(symbol, unit.timeframe, unit.window, types::Fields::CLOSE)
                .map_err(wit::PluginError::Read)?;
            rows.extend(bars.ts.iter().zip(&bars.close).map(|(&ts, &close)| (ts, index as u32, close)));
        }
        rows.sort_by_key(|r| (r.0, r.1));
        match case.as_deref().unwrap_or("ok") {
            "extra" => {
                let (ts, index, close) = rows[0];
                rows.insert(1, (ts + 1, index, close));
                rows.sort_by_key(|r| (r.0, r.1));
            }
            "unsorted" => rows.sort_by_key(|r| (r.1, r.0)),
            "index" => rows[0].1 = unit.symbols.len() as u32,
            _ => {}
        }
        Ok(wit::LongTable {
            symbol: rows.iter().map(|r| r.1).collect(),
            ts: rows.iter().map(|r| r.0).collect(),
            columns: vec![wit::Column {
                name: "close".into(),
                values: wit::ColumnValues::Float(rows.iter().map(|r| r.2).collect()),
            }],
        })
    }
}

#[allow(unsafe_code, reason = "wit-bindgen's generated export glue is unsafe by construction")]
mod export {
    use super::Xliar;
    crate::bindings::export!(Xliar with_types_in crate::bindings);
}
