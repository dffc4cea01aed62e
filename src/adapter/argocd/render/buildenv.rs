//! Argo CD's build environment, substituted into a Helm source's parameter
//! values and values-file names as Argo CD's own Helm source does, so that
//! `image.tag=$ARGOCD_APP_REVISION_SHORT` means the same under the plugin.
//!
//! Argo CD builds the environment in `newEnv` and substitutes with
//! `Env.Envsubst`, which is Go's `os.Expand` over exactly those entries
//! ([repository.go `newEnv`, `helmTemplate`](https://github.com/argoproj/argo-cd/blob/master/reposerver/repository/repository.go),
//! [types.go `Env.Envsubst`](https://github.com/argoproj/argo-cd/blob/master/pkg/apis/application/v1alpha1/types.go)).
//! So: no shell, no other variables. A name Argo CD does not set becomes
//! empty (`$HOME`, and `$KUBE_VERSION` and `$KUBE_API_VERSIONS` too: Argo
//! CD hands those to plugins but leaves them out of the Helm source's
//! environment), and `$$` is a literal `$`.

/// The variables `newEnv` defines, in its order. Older Argo CD versions set
/// fewer of them; one the repo-server did not send is empty, as it would be
/// in that version's own Helm source.
pub const BUILD_ENV: [&str; 9] = [
    "ARGOCD_APP_NAME",
    "ARGOCD_APP_NAMESPACE",
    "ARGOCD_APP_PROJECT_NAME",
    "ARGOCD_APP_REVISION",
    "ARGOCD_APP_REVISION_SHORT",
    "ARGOCD_APP_REVISION_SHORT_8",
    "ARGOCD_APP_SOURCE_REPO_URL",
    "ARGOCD_APP_SOURCE_PATH",
    "ARGOCD_APP_SOURCE_TARGET_REVISION",
];

/// The values of [`BUILD_ENV`] for one render.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildEnv {
    values: Vec<(&'static str, String)>,
}

impl BuildEnv {
    /// Reads [`BUILD_ENV`] through `lookup` (the process environment, for
    /// `generate`); nothing else is read.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> BuildEnv {
        let values = BUILD_ENV
            .iter()
            .filter_map(|&name| lookup(name).map(|v| (name, v)))
            .collect();
        BuildEnv { values }
    }

    fn get(&self, name: &str) -> &str {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// `s` with `$NAME` and `${NAME}` replaced, byte for byte as Go's
    /// `os.Expand` does with Argo CD's mapping: `$$` is `$`; other special
    /// names (`$1`, `$@`, `${-}`) and unknown names are empty; `${}` and an
    /// unclosed `${` are dropped; a `$` before anything else, or at the end,
    /// stays.
    pub fn envsubst(&self, s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = String::with_capacity(s.len());
        let (mut i, mut copied) = (0, 0);
        while i < bytes.len() {
            if bytes[i] != b'$' || i + 1 >= bytes.len() {
                i += 1;
                continue;
            }
            out.push_str(&s[copied..i]);
            let (name, width) = shell_name(&s[i + 1..]);
            match name {
                Some("$") => out.push('$'),
                Some(name) => out.push_str(self.get(name)),
                // Valid syntax but no name: the `$` stays.
                None if width == 0 => out.push('$'),
                // Invalid syntax: eaten.
                None => {}
            }
            i += 1 + width;
            copied = i;
        }
        out.push_str(&s[copied..]);
        out
    }
}

/// Go's `getShellName`: the name at the start of `s` (which follows a `$`)
/// and how many bytes it takes.
fn shell_name(s: &str) -> (Option<&str>, usize) {
    let b = s.as_bytes();
    let special = |c: u8| b"*#$@!?-0123456789".contains(&c);
    if b[0] == b'{' {
        if b.len() > 2 && special(b[1]) && b[2] == b'}' {
            return (Some(&s[1..2]), 3);
        }
        return match b.iter().position(|&c| c == b'}') {
            Some(1) => (None, 2),
            Some(end) => (Some(&s[1..end]), end + 1),
            None => (None, 1),
        };
    }
    if special(b[0]) {
        return (Some(&s[..1]), 1);
    }
    let len = b
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
        .count();
    if len == 0 {
        (None, 0)
    } else {
        (Some(&s[..len]), len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> BuildEnv {
        BuildEnv::from_lookup(|name| match name {
            "ARGOCD_APP_NAME" => Some("team-a_shop".into()),
            "ARGOCD_APP_REVISION_SHORT" => Some("4f1c7a8".into()),
            "ARGOCD_APP_NAMESPACE" => Some("shop".into()),
            // Sent to plugins, but not part of a Helm source's environment.
            "KUBE_VERSION" | "HOME" => Some("leaked".into()),
            _ => None,
        })
    }

    #[test]
    fn substitutes_like_go_os_expand() {
        let cases = [
            ("$ARGOCD_APP_NAME", "team-a_shop"),
            ("v-${ARGOCD_APP_REVISION_SHORT}-x", "v-4f1c7a8-x"),
            ("$ARGOCD_APP_NAMESPACE.yaml", "shop.yaml"),
            ("$ARGOCD_APP_NAMESPACEx", ""),
            ("$$ARGOCD_APP_NAME", "$ARGOCD_APP_NAME"),
            ("a$$b", "a$b"),
            ("$KUBE_VERSION|$HOME|${KUBE_API_VERSIONS}", "||"),
            ("$ARGOCD_APP_PROJECT_NAME", ""),
            ("price: 5$", "price: 5$"),
            ("a $ b", "a $ b"),
            ("$1$@${-}", ""),
            ("a${}b", "ab"),
            ("a${b", "ab"),
            ("${ARGOCD_APP_NAME:-x}", ""),
            ("ünïcode-$ARGOCD_APP_NAMESPACE-é", "ünïcode-shop-é"),
            ("no variables", "no variables"),
        ];
        let env = env();
        for (input, want) in cases {
            assert_eq!(env.envsubst(input), want, "{input:?}");
        }
    }

    #[test]
    fn reads_only_the_build_environment() {
        let asked = std::cell::RefCell::new(Vec::new());
        BuildEnv::from_lookup(|name| {
            asked.borrow_mut().push(name.to_string());
            None
        });
        assert_eq!(asked.into_inner(), BUILD_ENV);
    }
}
