//! A feature builder whose plan misbehaves as its `case` parameter says: `trap` panics in `plan`,
//! `unknown` declares a fixed symbol nothing is stored for, `greedy` asks a warm-up of 4 billion
//! bars, `refuse` returns `invalid-params`, `ok` plans its own close. Each must fail the job before
//! any unit writes, naming the plugin, the input and what was expected.

#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({ world: "feature-builder", path: "../../../wit" });
}

use bindings::candlewick::market_data::{plugin as wit, reader, types};

struct Planner;

fn own(warm_up_bars: u32) -> wit::Input {
    wit::Input {
        timeframe: None,
        symbols: wit::SymbolSelector::UnitSymbol,
        fields: types::Fields::CLOSE,
        warm_up_bars,
    }
}

impl bindings::Guest for Planner {
    fn describe() -> wit::PluginInfo {
        wit::PluginInfo {
            name: "planner".into(),
            version: "0.1.0".into(),
            description: "a plan that misbehaves on request".into(),
            params: vec![wit::ParamSpec {
                name: "case".into(),
                default: wit::ParamValue::Text("ok".into()),
                description: "trap, unknown, greedy, refuse or ok".into(),
            }],
            outputs: vec!["close".into()],
        }
    }

    fn plan(params: Vec<wit::Param>) -> Result<wit::Plan, wit::PluginError> {
        let case = params.iter().find_map(|p| match (&*p.name, &p.value) {
            ("case", wit::ParamValue::Text(case)) => Some(case.clone()),
            _ => None,
        });
        let inputs = match case.as_deref().unwrap_or("ok") {
            "trap" => panic!("the plan gave up"),
            "unknown" => vec![
                own(0),
                wit::Input {
                    timeframe: Some(types::Timeframe::Day1),
                    symbols: wit::SymbolSelector::Fixed("NOSUCH".into()),
                    fields: types::Fields::CLOSE,
                    warm_up_bars: 0,
                },
            ],
            "greedy" => vec![own(u32::MAX)],
            "refuse" => {
                return Err(wit::PluginError::InvalidParams("case \"refuse\" refuses every plan".into()));
            }
            _ => vec![own(0)],
        };
        Ok(wit::Plan { inputs })
    }

    fn build(unit: wit::UnitOfWork) -> Result<wit::Table, wit::PluginError> {
        let bars = reader::range(&unit.symbol, unit.timeframe, unit.window, types::Fields::CLOSE)
            .map_err(wit::PluginError::Read)?;
        Ok(wit::Table {
            ts: bars.ts,
            columns: vec![wit::Column { name: "close".into(), values: wit::ColumnValues::Float(bars.close) }],
        })
    }
}

#[allow(unsafe_code, reason = "wit-bindgen's generated export glue is unsafe by construction")]
mod export {
    use super::Planner;
    crate::bindings::export!(Planner with_types_in crate::bindings);
}
