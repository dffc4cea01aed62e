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
    WORDS.contains(&value) || is_number(value) || is_timestamp(value)
}

/// go-yaml v2 reads plain `2001-12-14` (with an optional time after `T`,
/// `t` or a space) as a timestamp.
fn is_timestamp(value: &str) -> bool {
    let b = value.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    if !(digits(0..4) && b.get(4) == Some(&b'-')) {
        return false;
    }
    // Month and day take one or two digits.
    let rest = &value[5..];
    let mut parts = rest.splitn(3, '-');
    let (Some(month), Some(day_and_time)) = (parts.next(), parts.next()) else {
        return false;
    };
    let day_len = day_and_time.bytes().take_while(u8::is_ascii_digit).count();
    let ok_len = |n: usize| (1..=2).contains(&n);
    ok_len(month.len())
        && month.bytes().all(|c| c.is_ascii_digit())
        && ok_len(day_len)
        && parts.next().is_none()
        && (day_len == day_and_time.len()
            || matches!(day_and_time.as_bytes()[day_len], b'T' | b't' | b' '))
}

/// Ints (decimal, `0x`, `0o`/leading-zero octal, `0b`, with `_`) and floats.
fn is_number(value: &str) -> bool {
    let digits = value.strip_prefix(['-', '+']).unwrap_or(value);
    if let Some(hex) = digits.strip_prefix("0x") {
        return !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit() || b == b'_');
    }
    // Go's ParseInt with base 0, which go-yaml v2 uses, reads 0o17 too.
    if let Some(oct) = digits.strip_prefix("0o") {
        return !oct.is_empty() && oct.bytes().all(|b| matches!(b, b'0'..=b'7' | b'_'));
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
            "",
            "~",
            "null",
            "yes",
            "Off",
            "5000",
            "0755",
            "1.25",
            "-1e3",
            "0x1F",
            ".5",
            ".inf",
            "0o17",
            "2001-12-14",
            "2001-1-2T10:00:00Z",
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
            "2001-12-14-x",
            "2001/12/14",
            "0o8",
        ] {
            assert!(!is_non_string(s), "{s:?} should be a string");
        }
    }
}
