//! Parses container image references exactly as distribution/reference's
//! `ParseNormalizedNamed` does, so the tool reads an image the way kubelet and
//! containerd will pull it.
//!
//! This module is a leaf: it knows nothing of YAML, rules or ECR, and has no
//! dependencies. It is a hand-written port of
//! <https://github.com/distribution/reference> at `0965666a` (the same code as
//! v0.6.0), with go-digest v1.0.0 validating digests; containerd v1.7.19+ and
//! v2.x use exactly this code.
//!
//! # Grammar
//!
//! From `reference.go` and `regexp.go`; `\w` is ASCII (`[0-9A-Za-z_]`), as in
//! Go's RE2.
//!
//! ```text
//! reference        := name [ ":" tag ] [ "@" digest ]
//! name             := [domain '/'] remote-name
//! domain           := host [':' port-number]
//! host             := domain-name | IPv4address | \[ IPv6address \]
//! domain-name      := domain-component ['.' domain-component]*
//! domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
//! IPv6address      := /[a-fA-F0-9:]+/      ; no zone IDs ("%eth0"), no dotted IPv4
//! port-number      := /[0-9]+/
//! remote-name      := path-component ['/' path-component]*
//! path-component   := alpha-numeric [separator alpha-numeric]*
//! alpha-numeric    := /[a-z0-9]+/
//! separator        := /[_.]|__|[-]+/
//! tag              := /[\w][\w.-]{0,127}/
//! digest           := algorithm ":" hex
//! algorithm        := /[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*/
//! hex              := /[0-9a-fA-F]{32,}/
//! identifier       := /[a-f0-9]{64}/
//! ```
//!
//! # Normalisation (`splitDockerDomain`, `normalize.go`)
//!
//! 1. A name with no `/` is a Docker Hub official image: `docker.io` +
//!    `library/<name>`. This holds even for `localhost` and
//!    `example.com:5000` (image `library/example.com`, tag `5000`): upstream
//!    marks it `FIXME(thaJeztah)`, and runtimes pull what it says.
//! 2. Otherwise the first component is the domain when it is `localhost`,
//!    contains `.` or `:`, or contains an uppercase letter (uppercase
//!    namespaces are illegal, so `Foo/bar` is host `Foo`); `index.docker.io`
//!    becomes `docker.io`. Anything else is a Docker Hub namespace.
//! 3. `library/` is added to single-component paths on `docker.io` only; not
//!    on `registry-1.docker.io` or `registry.hub.docker.com`, which are not
//!    canonicalised.
//!
//! # Checks, in upstream's order
//!
//! 1. The whole input is not a 64-hex identifier.
//! 2. The repository path (before the first `:`) is lowercase.
//! 3. The reference matches the grammar; when it does not, but its lowercase
//!    form would, the error is [`ErrorKind::ContainsUppercase`].
//! 4. The path is at most 255 characters (v0.6.0 excludes the domain: commit
//!    `aaca75e`).
//! 5. The digest's algorithm is registered (sha256, sha384, sha512) and its
//!    hex is exactly 64, 96 or 128 *lowercase* digits (go-digest
//!    `algorithm.go`).
//!
//! # Differences from the `oci-spec` crate
//!
//! `oci-spec` 0.9.0 accepts uppercase digest hex, 64-hex names and non-ASCII
//! tags, rejects bracketed IPv6 hosts, and reads `Foo/bar` as Docker Hub's
//! `Foo/bar`. This port follows distribution in each case.

mod grammar;
mod parse;

pub use parse::parse;

/// The input is a reference pinned by digest (`name@sha256:…`, with or
/// without a tag), which runtimes pull by that digest.
pub fn is_digest_pinned(image: &str) -> bool {
    parse(image).is_ok_and(|r| r.digest.is_some())
}

use std::borrow::Cow;
use std::fmt;

/// A parsed image reference, normalised like `ParseNormalizedNamed`.
///
/// `tag` and `digest` are the exact substrings of the input; nothing is added
/// (no `:latest`) and nothing is dropped (a tag next to a digest stays).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference<'a> {
    /// The registry host, with its port: `docker.io`, `quay.io:443`,
    /// `[::1]:5000`, `Foo`. Compare it byte for byte.
    ///
    /// It is empty in one corner upstream keeps: a first component that
    /// contains `.` but is no valid host, while the whole name is a valid
    /// path (`a.b_c/d`).
    pub domain: Cow<'a, str>,
    /// The repository path without the domain: `library/nginx`.
    pub path: Cow<'a, str>,
    pub tag: Option<&'a str>,
    pub digest: Option<&'a str>,
}

impl Reference<'_> {
    /// Appends `:tag` and `@digest`, each if present, exactly as written.
    pub fn push_tag_and_digest(&self, out: &mut String) {
        if let Some(tag) = self.tag {
            out.push(':');
            out.push_str(tag);
        }
        if let Some(digest) = self.digest {
            out.push('@');
            out.push_str(digest);
        }
    }
}

impl fmt::Display for Reference<'_> {
    /// The canonical form, like Go's `String()`:
    /// `docker.io/library/nginx:1.25`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        if !self.domain.is_empty() {
            s.push_str(&self.domain);
            s.push('/');
        }
        s.push_str(&self.path);
        self.push_tag_and_digest(&mut s);
        f.write_str(&s)
    }
}

/// Why a string is not an image reference, with the string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub input: String,
    pub kind: ErrorKind,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid image reference {:?}: {}", self.input, self.kind)
    }
}

impl std::error::Error for ParseError {}

/// What is wrong with a reference. `Display` gives upstream's wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input is empty (upstream reports "invalid reference format", having
    /// first made it `docker.io/library/`).
    Empty,
    /// The input does not match the grammar.
    InvalidFormat,
    /// The repository path has an uppercase letter.
    ContainsUppercase,
    /// The repository path is longer than 255 characters.
    NameTooLong,
    /// The whole input is 64 lowercase hex digits, which reads like an image ID.
    HexName,
    /// A registered digest algorithm with hex that is not lowercase, or an
    /// algorithm name with uppercase letters.
    DigestFormat,
    /// A registered digest algorithm with the wrong number of hex digits.
    DigestLength,
    /// A well-formed digest algorithm that is not sha256, sha384 or sha512.
    UnsupportedDigestAlgorithm,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::Empty => "repository name must have at least one component",
            ErrorKind::InvalidFormat => "invalid reference format",
            ErrorKind::ContainsUppercase => "repository name must be lowercase",
            ErrorKind::NameTooLong => "repository name must not be more than 255 characters",
            ErrorKind::HexName => "cannot specify 64-byte hexadecimal strings",
            ErrorKind::DigestFormat => "invalid checksum digest format",
            ErrorKind::DigestLength => "invalid checksum digest length",
            ErrorKind::UnsupportedDigestAlgorithm => "unsupported digest algorithm",
        })
    }
}
