//! Which plain scalars are not strings, as go-yaml v2 (used by
//! sigs.k8s.io/yaml, so by kubectl and the API machinery) resolves them:
//! YAML 1.1 null, bool, int and float.
//! <https://github.com/go-yaml/yaml/blob/v2/resolve.go>

/// The plain scalar resolves to null, a bool, an int or a float.
pub fn is_non_string(value: &str) -> bool {
    const WORDS: &[&str] = &[
        "", "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
        "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
        ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan",
        ".NaN", ".NAN",
    ];
    WORDS.contains(&value) || is_number(value)
}

/// Ints (decimal, `0x`, `0o`/leading-zero octal, `0b`, with `_`) and floats.
fn is_number(value: &str) -> bool {
    let digits = value.strip_prefix(['-', '+']).unwrap_or(value);
    if let Some(hex) = digits.strip_prefix("0x") {
        return !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit() || b == b'_');
    }
    if let Some(bin) = digits.strip_prefix("0b") {
        return !bin.is_empty() && bin.bytes().all(|b| matches!(b, b'0' | b'1' | b'_'));
    }
    // Decimal int or float: digits, an optional fraction, an optional exponent.
    let (mantissa, exponent) = match digits.find(['e', 'E']) {
        Some(i) => (&digits[..i], Some(&digits[i + 1..])),
        None => (digits, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (mantissa, None),
    };
    let is_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit() || b == b'_');
    let mantissa_ok = is_digits(int)
        && frac.is_none_or(is_digits)
        && (int.bytes().any(|b| b.is_ascii_digit())
            || frac.is_some_and(|f| f.bytes().any(|b| b.is_ascii_digit())));
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::is_non_string;

    #[test]
    fn table() {
        for s in [
            "", "~", "null", "yes", "Off", "5000", "0755", "1.25", "-1e3", "0x1F", ".5", ".inf",
        ] {
            assert!(is_non_string(s), "{s:?} should not be a string");
        }
        for s in [
            "nginx",
            "nginx:1.25",
            "1.25-alpine",
            "e3",
            ".",
            "0x",
            "1.2.3",
            "sha256:00",
        ] {
            assert!(!is_non_string(s), "{s:?} should be a string");
        }
    }
}
