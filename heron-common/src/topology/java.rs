//! Java's number parsing, as Heron's `TopologyUtils` reads topology config values with it.

/// Java's `Long.parseLong`: optional sign, ASCII digits, no whitespace.
pub(crate) fn parse_java_long(text: &str) -> Option<i64> {
    parse_java_integer(text)
}

/// Java's `Integer.parseInt` after `String.trim()`.
pub(crate) fn parse_java_int_trimmed(text: &str) -> Option<i32> {
    parse_java_integer(java_trim(text))
}

/// Java's integer parsing: an optional sign, then ASCII digits only (Rust's `parse` also takes
/// what Java refuses), in the range of the type.
fn parse_java_integer<T: std::str::FromStr>(text: &str) -> Option<T> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<T>().ok()
}

/// Java's `Double.parseDouble`, limited to finite decimal values.
pub(crate) fn parse_java_double(text: &str) -> Option<f64> {
    let trimmed = java_trim(text);
    let body = trimmed
        .strip_suffix(['f', 'F', 'd', 'D'])
        .unwrap_or(trimmed);
    // Rust also accepts "inf"/"nan" spellings Java does not; finiteness rules them out anyway.
    body.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Java's `String.trim()`: strips characters up to and including U+0020.
pub(crate) fn java_trim(text: &str) -> &str {
    text.trim_matches(|c: char| c <= ' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_number_parsing() {
        assert_eq!(parse_java_long("+12"), Some(12));
        assert_eq!(parse_java_long("-3"), Some(-3));
        assert_eq!(parse_java_long(" 1"), None);
        assert_eq!(parse_java_long(""), None);
        assert_eq!(parse_java_long("1.0"), None);
        assert_eq!(parse_java_double(" 2.5 "), Some(2.5));
        assert_eq!(parse_java_double("3f"), Some(3.0));
        assert_eq!(parse_java_double("1e1"), Some(10.0));
        assert_eq!(parse_java_double("NaN"), None);
        assert_eq!(parse_java_double("x"), None);
        assert_eq!(parse_java_int_trimmed("\t7\n"), Some(7));
        assert_eq!(parse_java_int_trimmed("99999999999"), None);
    }
}
