//! `${VAR}` and `${VAR:default}` in job-file strings, as the replaced system's configuration had.

/// Replaces every `${NAME}` with the variable's value and `${NAME:default}` with the value or,
/// when unset, the default (which may be empty). `$${` stays a literal `${`. A variable without
/// a default that is not set is an error naming it.
pub fn interpolate(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        if rest[..start].ends_with('$') {
            out.push_str(&rest[..start - 1]);
            out.push_str("${");
            rest = &rest[start + 2..];
            continue;
        }
        out.push_str(&rest[..start]);
        let body_and_rest = &rest[start + 2..];
        let end = body_and_rest.find('}').ok_or_else(|| format!("unclosed \"${{\" in {text:?}"))?;
        let body = &body_and_rest[..end];
        let (name, default) = match body.split_once(':') {
            Some((name, default)) => (name, Some(default)),
            None => (body, None),
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!(
                "invalid variable name {name:?} in {text:?} (expected letters, digits and _)"
            ));
        }
        match (lookup(name), default) {
            (Some(value), _) => out.push_str(&value),
            (None, Some(default)) => out.push_str(default),
            (None, None) => return Err(format!("environment variable {name} is not set and has no default")),
        }
        rest = &body_and_rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "HOST" => Some("db.internal".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn variables_and_defaults_are_replaced() {
        assert_eq!(interpolate("${HOST}:${PORT:5432}", &env).unwrap(), "db.internal:5432");
        assert_eq!(interpolate("x${EMPTY:fallback}y", &env).unwrap(), "xy", "a set empty value wins");
        assert_eq!(interpolate("${MISSING:}", &env).unwrap(), "");
        assert_eq!(interpolate("a:${P:b:c}", &env).unwrap(), "a:b:c", "the default runs to the brace");
        assert_eq!(interpolate("cost $${HOST}", &env).unwrap(), "cost ${HOST}");
    }

    #[test]
    fn a_missing_variable_without_default_is_named() {
        assert_eq!(
            interpolate("postgresql://${DB_USER}@x", &env).unwrap_err(),
            "environment variable DB_USER is not set and has no default"
        );
        assert!(interpolate("${HOST", &env).unwrap_err().contains("unclosed"));
        assert!(interpolate("${BAD-NAME}", &env).unwrap_err().contains("invalid variable name"));
    }
}
