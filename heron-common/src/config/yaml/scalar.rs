//! SnakeYAML's (YAML 1.1) resolution of plain scalars, with the deliberate differences the module
//! docs of [`super`] name.

use crate::config::Value;

/// Resolves a plain (unquoted) scalar as described in the module docs of [`super`].
pub fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Value::Bool(true);
        }
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Value::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    if let Some(v) = resolve_int(text) {
        return v;
    }
    if let Some(f) = resolve_float(text) {
        return Value::Float(f);
    }
    Value::String(text.to_string())
}

fn resolve_int(text: &str) -> Option<Value> {
    let (negative, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, digits) = if let Some(rest) = body.strip_prefix("0x") {
        (16, rest)
    } else if let Some(rest) = body.strip_prefix("0b") {
        (2, rest)
    } else {
        // Leading zeros (`007`) are kept as text; see the module docs.
        if body.len() > 1 && body.starts_with('0') {
            return None;
        }
        (10, body)
    };
    let first = digits.chars().find(|c| *c != '_')?;
    if radix == 10 && !first.is_ascii_digit() || body.starts_with('_') {
        return None;
    }
    if !digits.chars().all(|c| c == '_' || c.is_digit(radix)) {
        return None;
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    if clean.is_empty() {
        return None;
    }
    let magnitude = i128::from_str_radix(&clean, radix).ok();
    let signed = magnitude.map(|m| if negative { -m } else { m });
    match signed.and_then(|v| i64::try_from(v).ok()) {
        Some(v) => Some(Value::Int(v)),
        // Too large for 64 bits: keep the digits.
        None => Some(Value::String(text.to_string())),
    }
}

fn resolve_float(text: &str) -> Option<f64> {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    if !mantissa.contains('.') && exponent.is_none() {
        return None;
    }
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits_ok = |s: &str| s.chars().all(|c| c.is_ascii_digit() || c == '_');
    if !digits_ok(int_part) || !digits_ok(frac_part) || int_part.starts_with('_') {
        return None;
    }
    if !int_part.chars().any(|c| c.is_ascii_digit())
        && !frac_part.chars().any(|c| c.is_ascii_digit())
    {
        return None;
    }
    if let Some(exp) = exponent {
        let exp_digits = exp.strip_prefix(['-', '+']).unwrap_or(exp);
        if exp_digits.is_empty() || !exp_digits.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
    }
    let clean: String = text.chars().filter(|c| *c != '_').collect();
    clean.parse::<f64>().ok()
}
