//! Job parameters checked against what a plugin declares, and recorded as JSON.

use std::collections::BTreeMap;

use crate::domain::{ParamValue, PluginInfo};

/// Every declared parameter, in declaration order: the job's value (of the declared type) or the
/// default. An unknown name or a value of the wrong type is an error naming both.
pub fn resolve(
    info: &PluginInfo,
    given: &BTreeMap<String, serde_norway::Value>,
) -> Result<Vec<(String, ParamValue)>, String> {
    if let Some(unknown) = given.keys().find(|name| !info.params.iter().any(|p| &p.name == *name)) {
        let known: Vec<&str> = info.params.iter().map(|p| p.name.as_str()).collect();
        return Err(format!("unknown parameter {unknown:?} (expected one of {})", known.join(", ")));
    }
    info.params
        .iter()
        .map(|spec| {
            let value = match given.get(&spec.name) {
                None => spec.default.clone(),
                Some(value) => convert(value, &spec.default).ok_or_else(|| {
                    format!(
                        "parameter {:?}: expected {}, got {}",
                        spec.name,
                        spec.default.type_name(),
                        describe(value)
                    )
                })?,
            };
            Ok((spec.name.clone(), value))
        })
        .collect()
}

/// The YAML value as the default's type; an integer is accepted where a float is expected.
fn convert(value: &serde_norway::Value, like: &ParamValue) -> Option<ParamValue> {
    Some(match like {
        ParamValue::Int(_) => ParamValue::Int(value.as_i64()?),
        ParamValue::Float(_) => ParamValue::Float(value.as_f64()?),
        ParamValue::Text(_) => ParamValue::Text(value.as_str()?.to_owned()),
        ParamValue::Boolean(_) => ParamValue::Boolean(value.as_bool()?),
    })
}

/// Parameters as a JSON object, in their order, for an output file's metadata. JSON has no
/// NaN or infinity, so a float that is not finite is recorded as the string `"NaN"`, `"inf"` or
/// `"-inf"` (which Python's `float()` reads back as those floats), never as `null`.
pub fn to_json(params: &[(String, ParamValue)]) -> serde_json::Value {
    let value = |value: &ParamValue| match *value {
        ParamValue::Int(v) => serde_json::json!(v),
        ParamValue::Float(v) if v.is_nan() => serde_json::json!("NaN"),
        ParamValue::Float(v) if v.is_infinite() => serde_json::json!(if v > 0.0 { "inf" } else { "-inf" }),
        ParamValue::Float(v) => serde_json::json!(v),
        ParamValue::Text(ref v) => serde_json::json!(v),
        ParamValue::Boolean(v) => serde_json::json!(v),
    };
    params.iter().map(|(name, v)| (name.clone(), value(v))).collect::<serde_json::Map<_, _>>().into()
}

fn describe(value: &serde_norway::Value) -> String {
    serde_norway::to_string(value).map(|s| s.trim().to_owned()).unwrap_or_else(|_| "a value".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ParamSpec;

    fn info() -> PluginInfo {
        let spec = |name: &str, default| ParamSpec { name: name.into(), default, description: String::new() };
        PluginInfo {
            name: "p".into(),
            version: "1".into(),
            description: String::new(),
            params: vec![spec("period", ParamValue::Int(20)), spec("k", ParamValue::Float(2.0))],
            outputs: vec![],
        }
    }

    fn given(yaml: &str) -> BTreeMap<String, serde_norway::Value> {
        serde_norway::from_str(yaml).unwrap()
    }

    #[test]
    fn defaults_fill_in_and_ints_serve_as_floats() {
        let params = resolve(&info(), &given("k: 3")).unwrap();
        assert_eq!(params, [("period".into(), ParamValue::Int(20)), ("k".into(), ParamValue::Float(3.0))]);
    }

    #[test]
    fn unknown_names_and_wrong_types_are_named() {
        assert_eq!(
            resolve(&info(), &given("perod: 3")).unwrap_err(),
            "unknown parameter \"perod\" (expected one of period, k)"
        );
        assert_eq!(
            resolve(&info(), &given("period: 2.5")).unwrap_err(),
            "parameter \"period\": expected int, got 2.5"
        );
    }

    #[test]
    fn floats_that_are_not_finite_are_recorded_by_name_not_as_null() {
        let params = resolve(&info(), &given("k: .nan")).unwrap();
        assert!(matches!(params[1].1, ParamValue::Float(k) if k.is_nan()), "YAML's .nan is a float");
        assert_eq!(to_json(&params).to_string(), r#"{"period":20,"k":"NaN"}"#);
        let json = |k: f64| to_json(&[("k".into(), ParamValue::Float(k))]).to_string();
        assert_eq!(json(f64::INFINITY), r#"{"k":"inf"}"#);
        assert_eq!(json(f64::NEG_INFINITY), r#"{"k":"-inf"}"#);
        assert_eq!(json(-0.5), r#"{"k":-0.5}"#);
        let text =
            to_json(&[("t".into(), ParamValue::Text("NaN".into())), ("b".into(), ParamValue::Boolean(true))]);
        assert_eq!(text.to_string(), r#"{"t":"NaN","b":true}"#, "a text parameter is a string too");
    }
}
