//! Where a dataset's columns are drawn: the rule `candlewick report` follows, from the dataset's
//! kind (the manifest's) and its columns' names (the outputs the plugin describes, which are only
//! names; so the rule is by name, and it is the same for every language a plugin is written in).
//!
//! 1. A dataset with `open`, `high`, `low` and `close` columns is **bars** (resampled or
//!    information-driven bars): a candlestick chart of its own, on its own timestamps, `volume` as
//!    a histogram under it; its other columns show on hover.
//! 2. A **sampler**'s dataset (without a manifest: a dataset with a `label` or `t1` column) is
//!    **events**: each row a marker on the symbol's bar chart at its `ts`, coloured by the first of
//!    `label`, `direction`, `barrier` it has (> 0 green arrow up, < 0 red arrow down, 0 grey
//!    circle; none of them: a blue circle); every column shows on hover.
//! 3. A feature builder's or cross-section's column is
//!    - a **price overlay** on the bar chart when its name is `open`, `high`, `low`, `close`,
//!      `vwap`, starts with `sma`, `ema`, `wma`, `dema`, `tema`, `kama`, `bb_`, `keltner`,
//!      `donchian`, or ends with `_price` (`bb_width` and `bb_percent` are not prices);
//!    - else in a **pane** under the chart: a column `X_suffix` shares the pane of a column `X`
//!      of the same dataset (`macd`, `macd_signal`, `macd_hist`), every other column has a pane
//!      of its own; a name containing `rsi` gets a 0–100 scale with guides at 30 and 70; a name
//!      ending with `_hist` is a histogram, the rest lines.
//! 4. A column named `t1` or ending with `_ts` is a timestamp: shown on hover, never drawn.
//! 5. The joined dataset is not drawn (its columns are its members'); the summary lists it.

use serde::Serialize;

/// What a dataset is, for drawing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DatasetRole {
    Bars,
    Events,
    Features,
    /// Not drawn (the joined table).
    Hidden,
}

/// Where one column goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "place", rename_all = "kebab-case")]
pub enum Placement {
    /// On the bar chart, on the price scale.
    Overlay,
    /// In the pane `pane` (a name: the group's first column) as a line or a histogram.
    Pane { pane: String, histogram: bool, rsi_scale: bool },
    /// Shown on hover only.
    Hover,
}

/// The role of a dataset of `kind` (the manifest's `feature-builder`, `sampler`, `cross-section`,
/// `joined`; `None` without a manifest) with `columns` (after `ts`).
pub fn role(kind: Option<&str>, columns: &[String]) -> DatasetRole {
    let has = |name: &str| columns.iter().any(|c| c == name);
    if ["open", "high", "low", "close"].iter().all(|c| has(c)) {
        return DatasetRole::Bars;
    }
    match kind {
        Some("joined") => DatasetRole::Hidden,
        Some("sampler") => DatasetRole::Events,
        Some(_) => DatasetRole::Features,
        None if has("label") || has("t1") => DatasetRole::Events,
        None => DatasetRole::Features,
    }
}

const PRICE_PREFIXES: [&str; 10] =
    ["sma", "ema", "wma", "dema", "tema", "kama", "bb_", "keltner", "donchian", "vwap"];
const NOT_PRICES: [&str; 2] = ["bb_width", "bb_percent"];

fn is_timestamp(name: &str) -> bool {
    name == "t1" || name.ends_with("_ts")
}

/// Where each of a feature dataset's `columns` is drawn (rule 3 and 4 of the module's doc).
pub fn feature_placements(columns: &[String]) -> Vec<Placement> {
    columns
        .iter()
        .map(|name| {
            if is_timestamp(name) {
                return Placement::Hover;
            }
            let price = ["open", "high", "low", "close"].contains(&name.as_str())
                || name.ends_with("_price")
                || PRICE_PREFIXES.iter().any(|p| name.starts_with(p));
            if price && !NOT_PRICES.contains(&name.as_str()) {
                return Placement::Overlay;
            }
            let pane = match name.split_once('_') {
                Some((head, _)) if columns.iter().any(|c| c == head) => head.to_owned(),
                _ => name.clone(),
            };
            Placement::Pane { histogram: name.ends_with("_hist"), rsi_scale: name.contains("rsi"), pane }
        })
        .collect()
}

/// What colours an event's marker: the first of these columns the dataset has.
pub const EVENT_COLOUR_COLUMNS: [&str; 3] = ["label", "direction", "barrier"];

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_indicators_outputs_go_to_overlays_and_grouped_panes() {
        let columns = names(&[
            "sma",
            "ema",
            "rsi",
            "macd",
            "macd_signal",
            "macd_hist",
            "atr",
            "bb_upper",
            "bb_middle",
            "bb_lower",
            "log_return",
            "volatility",
        ]);
        let placed = feature_placements(&columns);
        let pane = |p: &str, histogram: bool, rsi_scale: bool| Placement::Pane {
            pane: p.into(),
            histogram,
            rsi_scale,
        };
        assert_eq!(
            placed,
            vec![
                Placement::Overlay,
                Placement::Overlay,
                pane("rsi", false, true),
                pane("macd", false, false),
                pane("macd", false, false),
                pane("macd", true, false),
                pane("atr", false, false),
                Placement::Overlay,
                Placement::Overlay,
                Placement::Overlay,
                pane("log_return", false, false),
                pane("volatility", false, false),
            ]
        );
    }

    #[test]
    fn roles_follow_the_kind_and_the_bar_columns() {
        let bars = names(&["open", "high", "low", "close", "volume", "bars"]);
        assert_eq!(role(Some("feature-builder"), &bars), DatasetRole::Bars);
        assert_eq!(role(Some("sampler"), &bars), DatasetRole::Bars);
        assert_eq!(role(Some("sampler"), &names(&["label", "ret"])), DatasetRole::Events);
        assert_eq!(role(None, &names(&["label", "ret", "t1"])), DatasetRole::Events);
        assert_eq!(role(Some("joined"), &names(&["sma"])), DatasetRole::Hidden);
        assert_eq!(role(None, &names(&["daily_rsi"])), DatasetRole::Features);
    }

    #[test]
    fn timestamps_and_non_prices_are_not_overlays() {
        let placed = feature_placements(&names(&["end_ts", "bb_width", "pivot_price", "daily_rsi"]));
        assert_eq!(placed[0], Placement::Hover);
        assert!(matches!(placed[1], Placement::Pane { .. }));
        assert_eq!(placed[2], Placement::Overlay);
        assert_eq!(
            placed[3],
            Placement::Pane { pane: "daily_rsi".into(), histogram: false, rsi_scale: true }
        );
    }
}
