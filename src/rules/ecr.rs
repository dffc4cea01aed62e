//! Amazon ECR's own formats: repository names and prefixes, registry hosts.
//!
//! Patterns come from the ECR API model (`ecr-2015-09-21.json`, shapes
//! `RepositoryName` and `PullThroughCacheRuleRepositoryPrefix`,
//! <https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreatePullThroughCacheRule.html>)
//! and from the credential helper's host regex
//! (<https://github.com/awslabs/amazon-ecr-credential-helper>, `ecr-login/api/client.go`),
//! written out by hand.

/// A registry, prefix, account ID or region that cannot be used: the value
/// as given. `Display` is the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    /// An ECR repository prefix that is not 2 to 30 characters long.
    PrefixLength(String),
    /// An ECR repository prefix that does not match ECR's pattern.
    PrefixPattern(String),
    /// An AWS account ID that is not 12 digits.
    AccountId(String),
    /// An AWS region that cannot be part of a registry host.
    Region(String),
    /// A registry that cannot head an image reference.
    Registry(String),
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Invalid::PrefixLength(p) => write!(
                f,
                "invalid ECR repository prefix {p:?}: must be 2 to 30 characters long"
            ),
            Invalid::PrefixPattern(p) => write!(
                f,
                "invalid ECR repository prefix {p:?}: use lowercase letters and digits \
                 with a single \".\", \"_\" or \"-\" between them, in \"/\"-separated parts, or ROOT"
            ),
            Invalid::AccountId(a) => write!(f, "invalid AWS account ID {a:?}: must be 12 digits"),
            Invalid::Region(r) => write!(
                f,
                "invalid AWS region {r:?}: use letters, digits and \"-\", like \"eu-west-1\""
            ),
            Invalid::Registry(r) => write!(
                f,
                "invalid registry {r:?}: must be a registry host, like \
                 \"123456789012.dkr.ecr.eu-west-1.amazonaws.com\""
            ),
        }
    }
}

impl std::error::Error for Invalid {}

/// The registry domains ECR serves, after `<account>.dkr.ecr.<region>.`:
/// commercial, China, EU sovereign cloud, dual-stack (`on.aws`) and the ISO
/// partitions.
const ECR_SUFFIXES: [&str; 9] = [
    "amazonaws.com",
    "amazonaws.com.cn",
    "amazonaws.eu",
    "on.aws",
    "on.amazonwebservices.com.cn",
    "sc2s.sgov.gov",
    "c2s.ic.gov",
    "cloud.adc-e.uk",
    "csp.hci.ic.gov",
];

/// The DNS suffix of each partition other than the commercial one
/// (`amazonaws.com`), by region prefix, from the AWS SDKs' `partitions.json`.
const PARTITION_SUFFIXES: [(&str, &str); 6] = [
    ("cn-", "amazonaws.com.cn"),
    ("eusc-", "amazonaws.eu"),
    ("us-iso-", "c2s.ic.gov"),
    ("us-isob-", "sc2s.sgov.gov"),
    ("us-isof-", "csp.hci.ic.gov"),
    ("eu-isoe-", "cloud.adc-e.uk"),
];

/// ECR's `RepositoryName` (2–256 characters):
/// `(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*`.
///
/// Stricter than Docker: only one `.`, `_` or `-` between alphanumerics, so
/// `foo/bar__baz` and `foo/bar--baz` are valid Docker names that ECR cannot
/// store. The API prose says a name "must start with a letter", but the
/// pattern allows a digit, and the pattern is what ECR enforces.
pub fn is_repository_name(name: &str) -> bool {
    (2..=256).contains(&name.len()) && is_repository_pattern(name)
}

/// The `RepositoryName` pattern without the length bounds.
fn is_repository_pattern(name: &str) -> bool {
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    name.split('/').all(|component| {
        let bytes = component.as_bytes();
        bytes.first().is_some_and(alnum)
            && bytes.last().is_some_and(alnum)
            && bytes
                .split(alnum)
                .all(|s| matches!(s, b"" | b"." | b"_" | b"-"))
    })
}

/// Checks an `ecrRepositoryPrefix`: 2–30 characters matching
/// `((?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*/?|ROOT)`.
///
/// A trailing `/` is always assumed, so `ecr-public/` means `ecr-public`.
/// `ROOT` means no prefix: the cache repository is the upstream path itself
/// (<https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-private-wildcards.html>).
pub fn validate_prefix(prefix: &str) -> Result<(), Invalid> {
    if !(2..=30).contains(&prefix.len()) {
        return Err(Invalid::PrefixLength(prefix.to_string()));
    }
    let body = prefix.strip_suffix('/').unwrap_or(prefix);
    if prefix == "ROOT" || is_repository_pattern(body) {
        Ok(())
    } else {
        Err(Invalid::PrefixPattern(prefix.to_string()))
    }
}

/// The IPv4 registry host of an account in a region:
/// `123456789012.dkr.ecr.eu-west-1.amazonaws.com`, with the partition's
/// domain for China (`cn-*`: `amazonaws.com.cn`), the EU sovereign cloud and
/// the ISO regions.
///
/// The region must match the credential helper's `[a-zA-Z0-9][a-zA-Z0-9-_]*`
/// and also be usable in an image reference's host, which rules out `_` and
/// a trailing `-`: otherwise no runtime could parse the rewritten images.
pub fn ecr_host(account_id: &str, region: &str) -> Result<String, Invalid> {
    if account_id.len() != 12 || !account_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Invalid::AccountId(account_id.to_string()));
    }
    let bytes = region.as_bytes();
    let region_ok = bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-');
    if !region_ok {
        return Err(Invalid::Region(region.to_string()));
    }
    let suffix = PARTITION_SUFFIXES
        .iter()
        .find(|(start, _)| {
            region
                .get(..start.len())
                .is_some_and(|r| r.eq_ignore_ascii_case(start))
        })
        .map_or("amazonaws.com", |(_, suffix)| suffix);
    Ok(format!("{account_id}.dkr.ecr.{region}.{suffix}"))
}

/// Whether `host` is a private ECR registry, by the credential helpers'
/// pattern:
///
/// ```text
/// ^(\d{12})\.dkr[\.\-]ecr(\-fips)?\.([a-zA-Z0-9][a-zA-Z0-9-_]*)\.(amazonaws\.(?:com(?:\.cn)?|eu)|on\.(?:aws|amazonwebservices\.com\.cn)|sc2s\.sgov\.gov|c2s\.ic\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov)$
/// ```
///
/// This covers the IPv4 (`dkr.ecr`), dual-stack (`dkr-ecr`) and FIPS forms.
/// A host with a port does not match.
pub fn is_ecr_host(host: &str) -> bool {
    let Some((account, rest)) = host.split_once('.') else {
        return false;
    };
    let Some(rest) = rest
        .strip_prefix("dkr")
        .and_then(|r| r.strip_prefix(['.', '-']))
        .and_then(|r| r.strip_prefix("ecr"))
    else {
        return false;
    };
    let rest = rest.strip_prefix("-fips").unwrap_or(rest);
    let Some((region, suffix)) = rest.strip_prefix('.').and_then(|r| r.split_once('.')) else {
        return false;
    };
    let region = region.as_bytes();
    account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && region.first().is_some_and(u8::is_ascii_alphanumeric)
        && region
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
        && ECR_SUFFIXES.contains(&suffix)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testing::accepts as check;

    #[test]
    fn repository_names() {
        let longest = format!("a/{}", "b".repeat(254));
        let too_long = format!("{longest}b");
        check(
            is_repository_name,
            &[
                "ab",
                "0a",
                "docker-hub/library/nginx",
                "a.b_c-d/e",
                "quay/q/r",
                &longest,
            ],
            &[
                "",
                "a",
                "docker-hub/foo/bar__baz",
                "a--b",
                "a._b",
                "-a",
                "a-",
                "a//b",
                "a/",
                "/a",
                "Docker-hub/x",
                &too_long,
            ],
        );
    }

    #[test]
    fn prefixes() {
        let ok = |p: &str| validate_prefix(p).is_ok();
        check(
            ok,
            &[
                "docker-hub",
                "ecr-public/",
                "cache/docker-hub",
                "k8s",
                "ROOT",
                "ab",
                // Two characters that fit the pattern, so the API takes it.
                "a/",
                &"a".repeat(30),
            ],
            &[
                "",
                "a",
                "ROOT/",
                "Root",
                "Docker",
                "docker__hub",
                "/docker",
                "a//b",
                &"a".repeat(31),
            ],
        );
        assert_eq!(
            validate_prefix("a").unwrap_err().to_string(),
            r#"invalid ECR repository prefix "a": must be 2 to 30 characters long"#
        );
        assert_eq!(
            validate_prefix("Docker").unwrap_err().to_string(),
            r#"invalid ECR repository prefix "Docker": use lowercase letters and digits with a single ".", "_" or "-" between them, in "/"-separated parts, or ROOT"#
        );
    }

    #[test]
    fn hosts() {
        #[track_caller]
        fn host(account: &str, region: &str, want: Result<&str, &str>) {
            let got = ecr_host(account, region).map_err(|e| e.to_string());
            assert_eq!(got.as_deref(), want.map_err(|e| e.to_string()).as_deref());
            if let Ok(h) = got {
                assert!(is_ecr_host(&h), "{h:?}");
            }
        }
        let a = "123456789012";
        host(
            a,
            "eu-west-1",
            Ok("123456789012.dkr.ecr.eu-west-1.amazonaws.com"),
        );
        host(
            a,
            "us-gov-west-1",
            Ok("123456789012.dkr.ecr.us-gov-west-1.amazonaws.com"),
        );
        host(
            a,
            "cn-north-1",
            Ok("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn"),
        );
        host(
            a,
            "eusc-de-east-1",
            Ok("123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu"),
        );
        host(
            a,
            "us-iso-east-1",
            Ok("123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov"),
        );
        host(
            a,
            "us-isob-east-1",
            Ok("123456789012.dkr.ecr.us-isob-east-1.sc2s.sgov.gov"),
        );
        host(
            a,
            "eu-isoe-west-1",
            Ok("123456789012.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk"),
        );
        host(
            a,
            "us-isof-south-1",
            Ok("123456789012.dkr.ecr.us-isof-south-1.csp.hci.ic.gov"),
        );
        host(
            "12345678901",
            "eu-west-1",
            Err(r#"invalid AWS account ID "12345678901": must be 12 digits"#),
        );
        host(
            "12345678901x",
            "eu-west-1",
            Err(r#"invalid AWS account ID "12345678901x": must be 12 digits"#),
        );
        let region = |r: &str| {
            format!(r#"invalid AWS region {r:?}: use letters, digits and "-", like "eu-west-1""#)
        };
        for bad in ["", "-eu", "eu-", "eu_west_1", "eu.west", "eu west"] {
            assert_eq!(
                ecr_host(a, bad).map_err(|e| e.to_string()),
                Err(region(bad)),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn ecr_hosts() {
        check(
            is_ecr_host,
            &[
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
                "123456789012.dkr-ecr.eu-west-1.on.aws",
                "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com",
                "123456789012.dkr-ecr-fips.us-west-2.on.aws",
                "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn",
                "123456789012.dkr-ecr.cn-north-1.on.amazonwebservices.com.cn",
                "123456789012.dkr.ecr.us-gov-west-1.amazonaws.com",
                "123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu",
                "123456789012.dkr.ecr.us-isob-east-1.sc2s.sgov.gov",
                "123456789012.dkr.ecr.Region_1.amazonaws.com",
            ],
            &[
                "",
                "public.ecr.aws",
                "ecr-public.aws.com",
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com:443",
                "1234567890123.dkr.ecr.eu-west-1.amazonaws.com",
                "12345678901.dkr.ecr.eu-west-1.amazonaws.com",
                "123456789012.dkr_ecr.eu-west-1.amazonaws.com",
                "123456789012.dkr.ecr-FIPS.us-east-1.amazonaws.com",
                "123456789012.dkr.ecr.-eu.amazonaws.com",
                "123456789012.dkr.ecr..amazonaws.com",
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com.evil.example",
                "123456789012.dkr.ecr.eu-west-1.example.com",
                "x123456789012.dkr.ecr.eu-west-1.amazonaws.com",
            ],
        );
    }
}
