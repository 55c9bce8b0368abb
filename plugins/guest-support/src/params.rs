//! Plugin parameters: declared once as [`ParamSpec`]s, checked once per unit of work.
//!
//! `describe` reports the specs; [`Params::parse`] checks what a job sets against them. An unknown
//! name, a name set twice, or a type other than the default's is an error naming the parameter.
//! A parameter the job leaves out takes its default, so a plugin behaves the same whether or not
//! the host filled the defaults in. An int where a float is declared is taken as that float (a
//! YAML `threshold: 1000` means 1000.0) when the float holds it exactly. Range checks are the
//! plugin's, through the checking getters ([`Params::positive_float`], [`Params::int_at_least`],
//! [`Params::int_in`], [`Params::one_of`]) or [`ParamError::expected`] for its own rules.

use std::fmt;

/// The largest integer magnitude an `f64` holds exactly (2^53): an int param above it would be
/// rounded if taken as a float, so it is refused instead.
const MAX_EXACT_FLOAT_INT: u64 = 1 << 53;

/// A parameter value, as the WIT `param-value` variant carries it.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    /// A whole number.
    Int(i64),
    /// A real number.
    Float(f64),
    /// Text.
    Text(String),
    /// A switch.
    Boolean(bool),
}

impl ParamValue {
    /// The type as an expectation reads: "an int", "a float", "text", "a boolean".
    pub fn type_name(&self) -> &'static str {
        match self {
            ParamValue::Int(_) => "an int",
            ParamValue::Float(_) => "a float",
            ParamValue::Text(_) => "text",
            ParamValue::Boolean(_) => "a boolean",
        }
    }
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Int(v) => write!(f, "int {v}"),
            ParamValue::Float(v) => write!(f, "float {v}"),
            ParamValue::Text(v) => write!(f, "text {v:?}"),
            ParamValue::Boolean(v) => write!(f, "boolean {v}"),
        }
    }
}

/// A parameter a plugin accepts: what `describe` reports, and what `parse` checks against.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamSpec {
    /// Its name, in snake_case, as job files spell it.
    pub name: &'static str,
    /// The value used when the job does not set it; its case is the parameter's type.
    pub default: ParamValue,
    /// One line on what it does, with its unit.
    pub description: &'static str,
}

/// A job's parameters are unusable: the message names the parameter and the expectation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError(String);

impl ParamError {
    /// An error with a message the caller wrote (lowercase, naming the value and expectation).
    pub fn new(message: impl Into<String>) -> Self {
        ParamError(message.into())
    }

    /// `parameter "name" must be <expectation>, got <value>`.
    pub fn expected(name: &str, expectation: &str, got: impl fmt::Display) -> Self {
        ParamError(format!("parameter {name:?} must be {expectation}, got {got}"))
    }
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParamError {}

/// A job's parameters, checked against the plugin's specs: one value per spec, of the spec's type.
#[derive(Debug, Clone)]
pub struct Params<'s> {
    specs: &'s [ParamSpec],
    values: Vec<ParamValue>,
}

impl<'s> Params<'s> {
    /// Checks `given` against `specs`; parameters not given take their defaults.
    pub fn parse(
        specs: &'s [ParamSpec],
        given: impl IntoIterator<Item = (String, ParamValue)>,
    ) -> Result<Self, ParamError> {
        let mut values: Vec<Option<ParamValue>> = vec![None; specs.len()];
        for (name, value) in given {
            let Some(index) = specs.iter().position(|spec| spec.name == name) else {
                let known: Vec<&str> = specs.iter().map(|spec| spec.name).collect();
                return Err(ParamError(format!(
                    "unknown parameter {name:?} (expected one of {})",
                    known.join(", ")
                )));
            };
            if values[index].is_some() {
                return Err(ParamError(format!(
                    "parameter {name:?} is set twice (expected it at most once)"
                )));
            }
            values[index] = Some(of_declared_type(&specs[index], value)?);
        }
        let values =
            values.into_iter().zip(specs).map(|(value, spec)| value.unwrap_or_else(|| spec.default.clone()));
        Ok(Params { specs, values: values.collect() })
    }

    /// An int parameter's value.
    pub fn int(&self, name: &str) -> i64 {
        match self.value(name) {
            ParamValue::Int(v) => *v,
            other => undeclared_type(name, "an int", other),
        }
    }

    /// A float parameter's value.
    pub fn float(&self, name: &str) -> f64 {
        match self.value(name) {
            ParamValue::Float(v) => *v,
            other => undeclared_type(name, "a float", other),
        }
    }

    /// A text parameter's value.
    pub fn text(&self, name: &str) -> &str {
        match self.value(name) {
            ParamValue::Text(v) => v,
            other => undeclared_type(name, "text", other),
        }
    }

    /// A boolean parameter's value.
    pub fn boolean(&self, name: &str) -> bool {
        match self.value(name) {
            ParamValue::Boolean(v) => *v,
            other => undeclared_type(name, "a boolean", other),
        }
    }

    /// A float parameter that must be finite and greater than 0.
    pub fn positive_float(&self, name: &str) -> Result<f64, ParamError> {
        let value = self.float(name);
        if value.is_finite() && value > 0.0 {
            Ok(value)
        } else {
            Err(ParamError::expected(name, "a finite number > 0", value))
        }
    }

    /// An int parameter that must be at least `min`.
    pub fn int_at_least(&self, name: &str, min: i64) -> Result<i64, ParamError> {
        let value = self.int(name);
        if value >= min {
            Ok(value)
        } else {
            Err(ParamError::expected(name, &format!("an int >= {min}"), value))
        }
    }

    /// An int parameter that must lie in `range` (both ends included): `an int in 2..=1000`.
    pub fn int_in(&self, name: &str, range: std::ops::RangeInclusive<i64>) -> Result<i64, ParamError> {
        let value = self.int(name);
        if range.contains(&value) {
            Ok(value)
        } else {
            Err(ParamError::expected(name, &format!("an int in {}..={}", range.start(), range.end()), value))
        }
    }

    /// A text parameter that must be exactly (case-sensitively) one of `choices`.
    pub fn one_of<'c>(&self, name: &str, choices: &[&'c str]) -> Result<&'c str, ParamError> {
        let value = self.text(name);
        choices.iter().find(|choice| **choice == value).copied().ok_or_else(|| {
            ParamError::expected(name, &format!("one of {}", choices.join(", ")), format!("{value:?}"))
        })
    }

    fn value(&self, name: &str) -> &ParamValue {
        match self.specs.iter().position(|spec| spec.name == name) {
            Some(index) => &self.values[index],
            // Reading a parameter the plugin never declared is a bug in the plugin, not the job.
            None => panic!("parameter {name:?} is not declared by this plugin"),
        }
    }
}

/// `value` as the spec's type, or an error naming the parameter and the type expected.
fn of_declared_type(spec: &ParamSpec, value: ParamValue) -> Result<ParamValue, ParamError> {
    match (&spec.default, value) {
        (ParamValue::Float(_), ParamValue::Int(v)) if v.unsigned_abs() <= MAX_EXACT_FLOAT_INT => {
            Ok(ParamValue::Float(v as f64))
        }
        (default, value) if std::mem::discriminant(default) == std::mem::discriminant(&value) => Ok(value),
        (default, value) => Err(ParamError::expected(spec.name, default.type_name(), value)),
    }
}

/// Reading a parameter with a getter of another type than its spec's is a bug in the plugin.
fn undeclared_type(name: &str, asked: &str, declared: &ParamValue) -> ! {
    panic!("parameter {name:?} was read as {asked} but is declared as {}", declared.type_name())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs() -> Vec<ParamSpec> {
        vec![
            ParamSpec { name: "kind", default: ParamValue::Text("tick".into()), description: "" },
            ParamSpec { name: "threshold", default: ParamValue::Float(1000.0), description: "" },
            ParamSpec { name: "bars", default: ParamValue::Int(20), description: "" },
            ParamSpec { name: "keep", default: ParamValue::Boolean(false), description: "" },
        ]
    }

    fn given(pairs: &[(&str, ParamValue)]) -> Vec<(String, ParamValue)> {
        pairs.iter().map(|(name, value)| (name.to_string(), value.clone())).collect()
    }

    fn message(result: Result<Params<'_>, ParamError>) -> String {
        result.expect_err("expected a parameter error").to_string()
    }

    #[test]
    fn parse_fills_defaults_for_missing_params() {
        let specs = specs();
        let params = Params::parse(&specs, given(&[])).unwrap();
        assert_eq!(params.text("kind"), "tick");
        assert_eq!(params.float("threshold"), 1000.0);
        assert_eq!(params.int("bars"), 20);
        assert!(!params.boolean("keep"));
    }

    #[test]
    fn parse_takes_given_values_over_defaults() {
        let specs = specs();
        let params = Params::parse(
            &specs,
            given(&[("keep", ParamValue::Boolean(true)), ("threshold", ParamValue::Float(2.5))]),
        )
        .unwrap();
        assert!(params.boolean("keep"));
        assert_eq!(params.float("threshold"), 2.5);
    }

    #[test]
    fn parse_rejects_unknown_name_listing_known_ones() {
        let specs = specs();
        let err = message(Params::parse(&specs, given(&[("treshold", ParamValue::Float(1.0))])));
        assert_eq!(err, r#"unknown parameter "treshold" (expected one of kind, threshold, bars, keep)"#);
    }

    #[test]
    fn parse_rejects_wrong_type_naming_param_and_type() {
        let specs = specs();
        let err = message(Params::parse(&specs, given(&[("kind", ParamValue::Int(5))])));
        assert_eq!(err, r#"parameter "kind" must be text, got int 5"#);
        let err = message(Params::parse(&specs, given(&[("bars", ParamValue::Float(2.0))])));
        assert_eq!(err, r#"parameter "bars" must be an int, got float 2"#);
    }

    #[test]
    fn parse_rejects_a_param_set_twice() {
        let specs = specs();
        let err = message(Params::parse(
            &specs,
            given(&[("bars", ParamValue::Int(1)), ("bars", ParamValue::Int(2))]),
        ));
        assert_eq!(err, r#"parameter "bars" is set twice (expected it at most once)"#);
    }

    #[test]
    fn parse_takes_exact_int_as_float() {
        let specs = specs();
        let params = Params::parse(&specs, given(&[("threshold", ParamValue::Int(1 << 53))])).unwrap();
        assert_eq!(params.float("threshold"), 9_007_199_254_740_992.0);
    }

    #[test]
    fn parse_rejects_int_a_float_would_round() {
        let specs = specs();
        let err = message(Params::parse(&specs, given(&[("threshold", ParamValue::Int((1 << 53) + 1))])));
        assert_eq!(err, r#"parameter "threshold" must be a float, got int 9007199254740993"#);
    }

    #[test]
    fn positive_float_accepts_smallest_positive_and_rejects_zero_negative_nan_inf() {
        let specs = specs();
        let check = |v: f64| {
            Params::parse(&specs, given(&[("threshold", ParamValue::Float(v))]))
                .unwrap()
                .positive_float("threshold")
        };
        assert_eq!(check(f64::MIN_POSITIVE), Ok(f64::MIN_POSITIVE));
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let err = check(bad).expect_err("expected a range error").to_string();
            assert_eq!(err, format!(r#"parameter "threshold" must be a finite number > 0, got {bad}"#));
        }
    }

    #[test]
    fn int_at_least_accepts_the_minimum_and_rejects_below() {
        let specs = specs();
        let check = |v: i64| {
            Params::parse(&specs, given(&[("bars", ParamValue::Int(v))])).unwrap().int_at_least("bars", 1)
        };
        assert_eq!(check(1), Ok(1));
        assert_eq!(check(0).unwrap_err().to_string(), r#"parameter "bars" must be an int >= 1, got 0"#);
    }

    #[test]
    fn int_in_accepts_both_ends_and_rejects_outside() {
        let specs = specs();
        let check = |v: i64| {
            Params::parse(&specs, given(&[("bars", ParamValue::Int(v))])).unwrap().int_in("bars", 2..=10)
        };
        assert_eq!((check(2), check(10)), (Ok(2), Ok(10)));
        assert_eq!(check(1).unwrap_err().to_string(), r#"parameter "bars" must be an int in 2..=10, got 1"#);
        assert_eq!(
            check(11).unwrap_err().to_string(),
            r#"parameter "bars" must be an int in 2..=10, got 11"#
        );
    }

    #[test]
    fn one_of_is_case_sensitive() {
        let specs = specs();
        let check = |v: &str| {
            Params::parse(&specs, given(&[("kind", ParamValue::Text(v.into()))]))
                .unwrap()
                .one_of("kind", &["tick", "volume"])
        };
        assert_eq!(check("volume"), Ok("volume"));
        assert_eq!(
            check("Tick").unwrap_err().to_string(),
            r#"parameter "kind" must be one of tick, volume, got "Tick""#
        );
    }

    #[test]
    #[should_panic(expected = "not declared")]
    fn getter_of_undeclared_param_panics() {
        let specs = specs();
        Params::parse(&specs, given(&[])).unwrap().int("nope");
    }
}
