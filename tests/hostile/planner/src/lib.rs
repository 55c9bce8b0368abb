//! A feature builder whose plan misbehaves as its `case` parameter says: `trap` panics in `plan`,
//! `unknown` declares a fixed symbol nothing is stored for, `greedy` asks a warm-up of 4 billion
//! bars, `refuse` returns `invalid-params`, `ok` plans its own close. Each must fail the job before
//! any unit writes, naming the plugin, the input and what was expected. `all` reads every field
//! and returns the close: with `ok`, the job benchmark's measure of what reading fewer fields saves.

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

/// The case the unit's parameters name.
fn case(params: &[wit::Param]) -> String {
    params
        .iter()
        .find_map(|p| match (&*p.name, &p.value) {
            ("case", wit::ParamValue::Text(case)) => Some(case.clone()),
            _ => None,
        })
        .unwrap_or_else(|| "ok".to_owned())
}

/// Every field: the five value columns.
fn every_field() -> types::Fields {
    types::Fields::OPEN
        | types::Fields::HIGH
        | types::Fields::LOW
        | types::Fields::CLOSE
        | types::Fields::VOLUME
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
                description: "trap, unknown, greedy, refuse, all (reads every field) or ok".into(),
            }],
            outputs: vec!["close".into()],
        }
    }

    fn plan(params: Vec<wit::Param>) -> Result<wit::Plan, wit::PluginError> {
        let inputs = match case(&params).as_str() {
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
            "all" => vec![wit::Input { fields: every_field(), ..own(0) }],
            "refuse" => {
                return Err(wit::PluginError::InvalidParams("case \"refuse\" refuses every plan".into()));
            }
            _ => vec![own(0)],
        };
        Ok(wit::Plan { inputs })
    }

    fn build(unit: wit::UnitOfWork) -> Result<wit::Table, wit::PluginError> {
        let fields = if case(&unit.params) == "all" { every_field() } else { types::Fields::CLOSE };
        // Streamed, as plugins read long windows.
        let cursor = reader::open_range(&unit.symbol, unit.timeframe, unit.window, fields, 16_384)
            .map_err(wit::PluginError::Read)?;
        let mut bars = types::BarColumns {
            ts: Vec::new(),
            open: Vec::new(),
            high: Vec::new(),
            low: Vec::new(),
            close: Vec::new(),
            volume: Vec::new(),
        };
        while let Some(batch) = cursor.next_batch().map_err(wit::PluginError::Read)? {
            bars.ts.extend(batch.ts);
            bars.close.extend(batch.close);
        }
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
