//! The reference grammar of `regexp.go`, one function per production.
//!
//! There is no regex engine here: every production is a short loop, and the
//! module stays free of dependencies. Each function matches a whole string
//! (the upstream patterns are anchored) and looks at ASCII bytes only, so any
//! non-ASCII character fails, as it does under Go's ASCII `\w`.

/// The pieces of a string matching
/// `^(?:(domain)/)?(remote-name)(?::(tag))?(?:@(digest))?$`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Parts<'a> {
    pub domain: &'a str,
    pub path: &'a str,
    pub tag: Option<&'a str>,
    pub digest: Option<&'a str>,
}

/// Matches the full reference grammar and splits the name the way
/// `anchoredNameRegexp` does: the first component is the domain when it is a
/// valid domain and the rest a valid path. Failing that, the whole name must
/// be a path, and the domain is empty (`a.b_c/d`).
pub(super) fn reference(s: &str) -> Option<Parts<'_>> {
    let (name, tag, digest) = suffixes(s)?;
    let (domain, path) = match name.split_once('/') {
        Some((domain, path)) if is_domain(domain) && is_remote_name(path) => (domain, path),
        _ if is_remote_name(name) => ("", name),
        _ => return None,
    };
    Some(Parts {
        domain,
        path,
        tag,
        digest,
    })
}

/// Splits `name[:tag][@digest]`, checking the tag and the digest but not the
/// name.
///
/// A tag or digest never contains `/`, and a path component never contains
/// `:` or `@`. So the name runs to the first `:` or `@` after the last `/`,
/// which is where the regex's name group must end too.
pub(super) fn suffixes(s: &str) -> Option<(&str, Option<&str>, Option<&str>)> {
    let last_slash = s.rfind('/').map_or(0, |i| i + 1);
    let name_end = s[last_slash..]
        .find([':', '@'])
        .map_or(s.len(), |i| last_slash + i);
    let (name, mut rest) = s.split_at(name_end);
    let mut tag = None;
    if let Some(after) = rest.strip_prefix(':') {
        let (t, r) = after.split_at(after.find('@').unwrap_or(after.len()));
        if !is_tag(t) {
            return None;
        }
        tag = Some(t);
        rest = r;
    }
    let digest = match rest.strip_prefix('@') {
        Some(d) if is_digest(d) => Some(d),
        None if rest.is_empty() => None,
        _ => return None,
    };
    Some((name, tag, digest))
}

/// `domainAndPort`: `host(:port)?`, where the host is a domain name, an IPv4
/// address (a domain name, grammatically) or a bracketed IPv6 address.
pub(super) fn is_domain(s: &str) -> bool {
    let port = if let Some(bracketed) = s.strip_prefix('[') {
        // `\[(?:[a-fA-F0-9:]+)\]`: no zone IDs, no dotted IPv4 tail.
        let Some((address, port)) = bracketed.split_once(']') else {
            return false;
        };
        if address.is_empty() || !address.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
            return false;
        }
        port
    } else {
        let (host, port) = s.split_at(s.find(':').unwrap_or(s.len()));
        if !is_domain_name(host) {
            return false;
        }
        port
    };
    // `(?::[0-9]+)?`
    port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// `domainName`: dot-separated components of letters (either case), digits
/// and inner hyphens.
fn is_domain_name(s: &str) -> bool {
    s.split('.').all(|component| {
        let bytes = component.as_bytes();
        bytes.first().is_some_and(u8::is_ascii_alphanumeric)
            && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
    })
}

/// `remoteName`: one or more `/`-separated path components.
pub(super) fn is_remote_name(s: &str) -> bool {
    s.split('/').all(is_path_component)
}

/// `pathComponent`: lowercase alphanumeric runs joined by `.`, `_`, `__` or
/// any number of `-`.
fn is_path_component(s: &str) -> bool {
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let bytes = s.as_bytes();
    bytes.first().is_some_and(alnum)
        && bytes.last().is_some_and(alnum)
        && bytes.split(alnum).all(|separator| {
            matches!(separator, b"." | b"_" | b"__") || separator.iter().all(|b| *b == b'-')
        })
}

/// `tag`: `[\w][\w.-]{0,127}` with ASCII `\w`.
fn is_tag(s: &str) -> bool {
    let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    let bytes = s.as_bytes();
    bytes.len() <= 128
        && bytes.first().is_some_and(word)
        && bytes.iter().all(|b| word(b) || matches!(b, b'.' | b'-'))
}

/// `digestPat`: `algorithm:hex` with at least 32 hex digits of either case.
/// Whether the algorithm is registered is go-digest's business, not the
/// grammar's.
fn is_digest(s: &str) -> bool {
    let Some((algorithm, hex)) = s.split_once(':') else {
        return false;
    };
    let component_ok = |c: &str| {
        let bytes = c.as_bytes();
        bytes.first().is_some_and(u8::is_ascii_alphabetic)
            && bytes.iter().all(u8::is_ascii_alphanumeric)
    };
    algorithm.split(['-', '_', '+', '.']).all(component_ok)
        && hex.len() >= 32
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `identifier`: exactly 64 lowercase hex digits, the form of an image ID.
pub(super) fn is_identifier(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testing::accepts as check;

    #[test]
    fn domain() {
        check(
            is_domain,
            &[
                "docker.io",
                "localhost",
                "Foo",
                "a",
                "xn--n3h.com:18080",
                "192.168.1.1:5000",
                "sub-dom1.foo.com",
                "[::1]",
                "[::1]:5000",
                "[2001:db8::1]",
                "[fc00:1:2:3:4:5:6:7]:5000",
            ],
            &[
                "",
                ":5000",
                "a:",
                "a:5x",
                "-a.com",
                "a-.com",
                "a..com",
                "a.com.",
                "a_b.com",
                "[]",
                "[::1",
                "[fe80::1%eth0]:5000",
                "[2001:db8:3:4::192.0.2.33]",
                "[::1]5000",
                "fc00::1:5000",
                "café.com",
            ],
        );
    }

    #[test]
    fn path_component() {
        check(
            is_path_component,
            &[
                "a", "a1", "a.b", "a_b", "a__b", "a-b", "a---b", "a.b_c-d", "0",
            ],
            &[
                "", "A", "-a", "a-", "a.", ".a", "a..b", "a___b", "a._b", "a-.b", "a_-b", "a/b",
                "é",
            ],
        );
        check(
            is_remote_name,
            &["a", "a/b/c", "library/nginx"],
            &["", "a/", "/a", "a//b"],
        );
    }

    #[test]
    fn tag() {
        let longest = "t".repeat(128);
        let too_long = "t".repeat(129);
        check(
            is_tag,
            &["1", "latest", "_x", "V1.2-rc_3", "Uppercase", &longest],
            &["", "-x", ".x", "a:b", "a/b", "a@b", "café", &too_long],
        );
    }

    #[test]
    fn digest() {
        let hex32 = "0".repeat(32);
        check(
            is_digest,
            &[
                &format!("sha256:{hex32}"),
                &format!("SHA256:{hex32}"),
                &format!("md5:{hex32}"),
                &format!("a+b.c-d_e:{}", hex32.to_uppercase()),
            ],
            &[
                "sha256:",
                &format!("sha256:{}", "0".repeat(31)),
                &format!("1sha:{hex32}"),
                &format!("sha--256:{hex32}"),
                &format!("sha256-:{hex32}"),
                &format!(":{hex32}"),
                &format!("sha256:{hex32}g"),
            ],
        );
    }

    #[test]
    fn identifier() {
        let id = "0123456789abcdef".repeat(4);
        check(
            is_identifier,
            &[&id],
            &[
                &id[1..],
                &format!("{id}0"),
                &id.to_uppercase(),
                &format!("sha256:{id}"),
            ],
        );
    }

    #[test]
    fn splits() {
        #[track_caller]
        fn case(s: &str, want: Option<(&str, &str, Option<&str>, Option<&str>)>) {
            let got = reference(s).map(|p| (p.domain, p.path, p.tag, p.digest));
            assert_eq!(got, want, "{s:?}");
        }
        let digest = format!("sha256:{}", "f".repeat(64));
        // Any first component that is a valid domain is one: `Parse` alone
        // has no Docker Hub default (that is `splitDockerDomain`'s job).
        case("a/b", Some(("a", "b", None, None)));
        case("a_b/c", Some(("", "a_b/c", None, None)));
        case("a.com/b:1", Some(("a.com", "b", Some("1"), None)));
        case("a:1/b", Some(("a:1", "b", None, None)));
        case("a.b_c/d", Some(("", "a.b_c/d", None, None)));
        case(
            &format!("h:5/b:t@{digest}"),
            Some(("h:5", "b", Some("t"), Some(&*digest))),
        );
        case(
            &format!("h/b@{digest}"),
            Some(("h", "b", None, Some(&*digest))),
        );
        case("a/b:", None);
        case("a/b@", None);
        case("a/b:1:2", None);
        case("a/b:1/c", None);
        case(":t", None);
        case("", None);
    }
}
