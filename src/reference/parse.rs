//! `ParseNormalizedNamed`: find the domain the way Docker does, then check the
//! reference against the grammar, the path length and the digest, in
//! upstream's order.

use super::grammar::{self, Parts};
use super::{ErrorKind, ParseError, Reference};
use std::borrow::Cow;

/// Docker Hub's canonical domain (`defaultDomain`).
const DEFAULT_DOMAIN: &str = "docker.io";
/// Docker Hub's domain from the days of the "Docker Index"
/// (`legacyDefaultDomain`); it is canonicalised to [`DEFAULT_DOMAIN`].
const LEGACY_DEFAULT_DOMAIN: &str = "index.docker.io";
/// The namespace of Docker Hub's official images (`officialRepoPrefix`).
const OFFICIAL_REPO_PREFIX: &str = "library/";
/// A reserved namespace: always a domain when a `/` follows it.
const LOCALHOST: &str = "localhost";
/// `RepositoryNameTotalLengthMax`. Since v0.6.0 (commit `aaca75e`) it bounds
/// the path only; older code counted the domain too.
const PATH_MAX: usize = 255;

/// Parses an image reference the way distribution/reference's
/// `ParseNormalizedNamed` does.
///
/// Allocates only to add `library/` to a Docker Hub official image, and on
/// error.
///
/// ```
/// let r = pullthrough::reference::parse("nginx:1.25").unwrap();
/// assert_eq!((&*r.domain, &*r.path, r.tag), ("docker.io", "library/nginx", Some("1.25")));
/// ```
pub fn parse(input: &str) -> Result<Reference<'_>, ParseError> {
    parse_kind(input).map_err(|kind| ParseError {
        input: input.to_owned(),
        kind,
    })
}

fn parse_kind(input: &str) -> Result<Reference<'_>, ErrorKind> {
    if input.is_empty() {
        return Err(ErrorKind::Empty);
    }
    // "cannot specify 64-byte hexadecimal strings": it would read as an ID.
    if grammar::is_identifier(input) {
        return Err(ErrorKind::HexName);
    }
    let split = split_docker_domain(input);
    // Upstream checks the path up to the first `:` before anything else.
    let remote = split.remainder.split(':').next().unwrap_or_default();
    if has_uppercase(remote) {
        return Err(ErrorKind::ContainsUppercase);
    }
    // Upstream parses `domain + "/" + remainder`; this avoids building it.
    let parts = if split.domain == DEFAULT_DOMAIN {
        // `docker.io` is a valid domain, so the remainder alone decides. If it
        // is no remote name, neither is `docker.io/<remainder>` as a whole.
        grammar::suffixes(split.remainder)
            .filter(|(name, ..)| grammar::is_remote_name(name))
            .map(|(path, tag, digest)| Parts {
                domain: DEFAULT_DOMAIN,
                path,
                tag,
                digest,
            })
    } else {
        // The domain came from the input, so the joined string is the input.
        grammar::reference(input)
    };
    let Some(parts) = parts else {
        return Err(mismatch_kind(&split));
    };
    let prefix = if split.library {
        OFFICIAL_REPO_PREFIX
    } else {
        ""
    };
    if prefix.len() + parts.path.len() > PATH_MAX {
        return Err(ErrorKind::NameTooLong);
    }
    if let Some(digest) = parts.digest {
        validate_digest(digest)?;
    }
    Ok(Reference {
        domain: Cow::Borrowed(parts.domain),
        path: if split.library {
            Cow::Owned(format!("{prefix}{}", parts.path))
        } else {
            Cow::Borrowed(parts.path)
        },
        tag: parts.tag,
        digest: parts.digest,
    })
}

/// The result of `splitDockerDomain`: upstream goes on to parse
/// `domain + "/" + ("library/" if library) + remainder`.
struct Split<'a> {
    domain: &'a str,
    remainder: &'a str,
    library: bool,
}

/// `splitDockerDomain` (`normalize.go`), one commented case per rule.
fn split_docker_domain(name: &str) -> Split<'_> {
    let Some((maybe_domain, maybe_remote)) = name.split_once('/') else {
        // A single component is a Docker Hub official image, even `localhost`
        // or `example.com:5000` (upstream's FIXME: kubelet pulls
        // `docker.io/library/example.com:5000`, so the rewrite must agree).
        return Split {
            domain: DEFAULT_DOMAIN,
            remainder: name,
            library: true,
        };
    };
    let (domain, remainder) = if maybe_domain == LOCALHOST {
        (maybe_domain, maybe_remote)
    } else if maybe_domain == LEGACY_DEFAULT_DOMAIN {
        (DEFAULT_DOMAIN, maybe_remote)
    } else if maybe_domain.contains(['.', ':']) {
        // A domain name, an IP address, `host:port` or `[::1]:5000`.
        (maybe_domain, maybe_remote)
    } else if has_uppercase(maybe_domain) {
        // Uppercase namespaces are illegal, so it must be a host.
        (maybe_domain, maybe_remote)
    } else {
        // A Docker Hub namespace: `bitnami/redis`, `myregistry/team/app`.
        (DEFAULT_DOMAIN, name)
    };
    // Only Docker Hub has official images; `registry-1.docker.io/nginx` stays.
    let library = domain == DEFAULT_DOMAIN && !remainder.contains('/');
    Split {
        domain,
        remainder,
        library,
    }
}

/// Go's `strings.ToLower(s) != s`: some character has a lowercase mapping.
fn has_uppercase(s: &str) -> bool {
    s.chars().any(|c| c.to_lowercase().next() != Some(c))
}

/// Why the grammar failed, as `Parse` tells: uppercase when the lowercased
/// string would match. This is the error path, so it may allocate.
fn mismatch_kind(split: &Split) -> ErrorKind {
    let prefix = if split.library {
        OFFICIAL_REPO_PREFIX
    } else {
        ""
    };
    let joined = format!("{}/{prefix}{}", split.domain, split.remainder);
    // Go's per-rune simple lowercase mapping: the first character of Rust's
    // full mapping (they differ only for U+0130, which Go maps to `i`).
    let lower: String = joined
        .chars()
        .filter_map(|c| c.to_lowercase().next())
        .collect();
    if lower != joined && grammar::reference(&lower).is_some() {
        ErrorKind::ContainsUppercase
    } else {
        ErrorKind::InvalidFormat
    }
}

/// go-digest v1.0.0 `Digest.Validate`, for a digest that already matches the
/// reference grammar.
fn validate_digest(digest: &str) -> Result<(), ErrorKind> {
    let (algorithm, hex) = digest.split_once(':').unwrap_or((digest, ""));
    // The algorithms the reference implementations registered, with their hex
    // lengths (`algorithm.go`).
    let length = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        // go-digest's own pattern wants a lowercase algorithm name; the hex
        // always fits its `[a-zA-Z0-9=_-]+`.
        _ if algorithm.bytes().any(|b| b.is_ascii_uppercase()) => {
            return Err(ErrorKind::DigestFormat);
        }
        _ => return Err(ErrorKind::UnsupportedDigestAlgorithm),
    };
    if hex.len() != length {
        return Err(ErrorKind::DigestLength);
    }
    if !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(ErrorKind::DigestFormat);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX64: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    /// Parses `input` and compares `"domain path tag digest"`, with `-` for a
    /// missing tag or digest and `""` for an empty domain. Also checks that
    /// the tag and digest are substrings of the input, and that the canonical
    /// form parses back to the same reference.
    #[track_caller]
    fn ok(input: &str, want: &str) {
        let r = parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        let domain = if r.domain.is_empty() {
            "\"\""
        } else {
            &r.domain
        };
        let (tag, digest) = (r.tag.unwrap_or("-"), r.digest.unwrap_or("-"));
        assert_eq!(
            format!("{domain} {} {tag} {digest}", r.path),
            want,
            "{input:?}"
        );
        let inside = |s: &str| input.as_bytes().as_ptr_range().contains(&s.as_ptr());
        assert!(r.tag.is_none_or(inside), "{input:?}");
        assert!(r.digest.is_none_or(inside), "{input:?}");
        let canonical = r.to_string();
        assert_eq!(parse(&canonical).as_ref(), Ok(&r), "{canonical:?}");
    }

    #[track_caller]
    fn err(input: &str, kind: ErrorKind) {
        assert_eq!(parse(input).map_err(|e| e.kind), Err(kind), "{input:?}");
    }

    #[test]
    fn docker_hub() {
        ok("nginx", "docker.io library/nginx - -");
        ok("nginx:1.25", "docker.io library/nginx 1.25 -");
        ok("docker.io/nginx", "docker.io library/nginx - -");
        ok("index.docker.io/nginx", "docker.io library/nginx - -");
        ok(
            "index.docker.io/library/nginx",
            "docker.io library/nginx - -",
        );
        ok("docker.io/library/foo/bar", "docker.io library/foo/bar - -");
        ok("bitnami/redis:7.2", "docker.io bitnami/redis 7.2 -");
        ok("myregistry/team/app", "docker.io myregistry/team/app - -");
        ok("test_com/foo", "docker.io test_com/foo - -");
        ok("dock__er/do---ck", "docker.io dock__er/do---ck - -");
        ok(
            "lowercase:Uppercase",
            "docker.io library/lowercase Uppercase -",
        );
        // Upstream's FIXME: a bare host is a Docker Hub official image.
        ok("localhost", "docker.io library/localhost - -");
        ok("example.com:5000", "docker.io library/example.com 5000 -");
        ok("192.168.0.1:80", "docker.io library/192.168.0.1 80 -");
        // A 64-hex name is fine after a host.
        ok(
            &format!("docker.io/{HEX64}"),
            &format!("docker.io library/{HEX64} - -"),
        );
    }

    #[test]
    fn other_hosts() {
        ok("localhost/myapp:dev", "localhost myapp dev -");
        ok("localhost:5000/myapp", "localhost:5000 myapp - -");
        ok(
            "registry-1.docker.io/nginx",
            "registry-1.docker.io nginx - -",
        );
        ok("DOCKER.IO/library/nginx", "DOCKER.IO library/nginx - -");
        ok("Foo/bar:1.0", "Foo bar 1.0 -");
        ok("test:5000/repo", "test:5000 repo - -");
        ok("xn--n3h.com:18080/foo", "xn--n3h.com:18080 foo - -");
        ok("10.0.0.1/app", "10.0.0.1 app - -");
        ok("[::1]:5000/app:1.0", "[::1]:5000 app 1.0 -");
        ok("[2001:db8::1]/team/app", "[2001:db8::1] team/app - -");
        ok(
            "b.gcr.io/x.example.com/app:x.example.com",
            "b.gcr.io x.example.com/app x.example.com -",
        );
        // A first component with `.` that is no host, in a name that is a
        // valid path: upstream returns an empty domain.
        ok("a.b_c/d", r#""" a.b_c/d - -"#);
    }

    #[test]
    fn tags_and_digests() {
        let sha256 = format!("sha256:{HEX64}");
        let sha384 = format!("sha384:{}", &HEX64.repeat(2)[..96]);
        let sha512 = format!("sha512:{}", HEX64.repeat(2));
        let tag = "t".repeat(128);
        ok(
            &format!("redis@{sha256}"),
            &format!("docker.io library/redis - {sha256}"),
        );
        ok(
            &format!("redis:7@{sha256}"),
            &format!("docker.io library/redis 7 {sha256}"),
        );
        ok(&format!("a.io/b@{sha384}"), &format!("a.io b - {sha384}"));
        ok(
            &format!("[::1]:5/b:t@{sha512}"),
            &format!("[::1]:5 b t {sha512}"),
        );
        ok(
            &format!("nginx:{tag}"),
            &format!("docker.io library/nginx {tag} -"),
        );
    }

    #[test]
    fn errors() {
        use ErrorKind::*;
        err("", Empty);
        err(HEX64, HexName);
        err("Nginx", ContainsUppercase);
        err("Uppercase:tag", ContainsUppercase);
        err("docker.io/Library/x", ContainsUppercase);
        err("test:5000/Uppercase/lowercase:tag", ContainsUppercase);
        // Uppercase caught only by lowercasing the whole reference.
        err("A.b_c/d", ContainsUppercase);
        err("\u{212A}.com/x", ContainsUppercase);
        for input in [
            "nginx:",
            "nginx:-latest",
            "nginx:1.25:extra",
            "nginx:café",
            "nginx@",
            "nginx@sha256:",
            "@sha256:0123456789abcdef0123456789abcdef",
            ":tag",
            "nginx/",
            "/nginx",
            "docker.io/foo//bar",
            "docker.io/foo/bar.",
            "-docker/docker",
            "dock..er/docker",
            "____/____",
            "https://docker.io/library/nginx",
            "docker://nginx",
            "a b",
            " nginx",
            "nginx\n",
            "[fe80::1%eth0]:5000/app",
            "[2001:db8:3:4::192.0.2.33]:5000/debian",
            "fc00::1:5000/debian",
            "[::1]",
            "aa/asdf$$^/aa",
        ] {
            err(input, InvalidFormat);
        }
        let upper = HEX64.to_uppercase();
        err(&format!("nginx:{}", "t".repeat(129)), InvalidFormat);
        err(&format!("nginx@sha256:{}", &HEX64[1..]), DigestLength);
        err(&format!("nginx@sha512:{HEX64}"), DigestLength);
        err(&format!("nginx@sha256:{upper}"), DigestFormat);
        err(&format!("a.io/b:t@SHA256:{HEX64}"), DigestFormat);
        err(
            &format!("x@md5:{}", &HEX64[..32]),
            UnsupportedDigestAlgorithm,
        );
        err(&format!("x@sha3+x:{HEX64}"), UnsupportedDigestAlgorithm);
        // Upstream checks the case of everything before the first `:`, which
        // here includes the digest algorithm.
        err(&format!("nginx@SHA256:{HEX64}"), ContainsUppercase);
        err(&format!("a.io/b@SHA256:{HEX64}"), ContainsUppercase);
    }

    #[test]
    fn uppercase_that_lowercasing_does_not_fix_is_an_invalid_format() {
        // The uppercase is in the domain, which the first case check skips.
        err("Foo.io/a b", ErrorKind::InvalidFormat);
        err("Foo.io/a:b:c", ErrorKind::InvalidFormat);
        err("Foo.io/a B", ErrorKind::ContainsUppercase);
    }

    #[test]
    fn lengths() {
        // The path counts `library/`; the domain does not count (v0.6.0).
        let at_limit = "a".repeat(PATH_MAX - OFFICIAL_REPO_PREFIX.len());
        ok(&at_limit, &format!("docker.io library/{at_limit} - -"));
        err(&format!("{at_limit}a"), ErrorKind::NameTooLong);
        let (host, path) = (
            format!("{}.io", "h".repeat(100)),
            format!("{}a", "a/".repeat(127)),
        );
        ok(&format!("{host}/{path}:t"), &format!("{host} {path} t -"));
        err(&format!("{host}/a{path}"), ErrorKind::NameTooLong);
    }

    #[test]
    fn borrows_unless_library_is_added() {
        for input in ["quay.io/a/b:1", "docker.io/a/b", "a.b_c/d"] {
            let r = parse(input).unwrap();
            assert!(matches!(r.domain, Cow::Borrowed(_)), "{input:?}");
            assert!(matches!(r.path, Cow::Borrowed(_)), "{input:?}");
        }
        assert!(matches!(parse("nginx").unwrap().path, Cow::Owned(_)));
    }

    #[test]
    fn messages() {
        #[track_caller]
        fn message(input: &str, want: &str) {
            assert_eq!(parse(input).unwrap_err().to_string(), want);
        }
        message(
            "nginx:",
            r#"invalid image reference "nginx:": invalid reference format"#,
        );
        message(
            "Nginx",
            r#"invalid image reference "Nginx": repository name must be lowercase"#,
        );
        message(
            "a\tb",
            r#"invalid image reference "a\tb": invalid reference format"#,
        );
        message(
            "x@md5:1",
            r#"invalid image reference "x@md5:1": invalid reference format"#,
        );
    }
}
