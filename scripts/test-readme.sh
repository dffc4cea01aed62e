#!/usr/bin/env bash
# Follows the README as a new user would, on this checkout: runs the blocks
# it marks `<!-- ci: NAME -->` (install, Helm 4 plugin and a chart rendered
# through it, the argo-cd chart with deploy/argocd/values.yaml), each in a
# fresh HOME with only what the README has installed on PATH, and checks what
# they print. Then `cargo package`, so the crate is ready for `cargo install
# pullthrough`.
#
# Two words of the README name things a reader has and the test has not:
# `./chart` (the reader's chart: testdata/hosts/chart here) and
# `argo/argo-cd` (argo-helm's repository: the vendored testdata/charts/argo-cd).
#
#   scripts/test-readme.sh      # after scripts/install-hosts.sh (scripts/test runs it)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
REGISTRY=123456789012.dkr.ecr.eu-west-1.amazonaws.com
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

fail() { echo "test-readme: $*" >&2; exit 1; }

# The block after `<!-- ci: NAME -->`, with the two substitutions.
block() {
  awk -v name="$1" '
    $0 ~ "<!-- ci: " name " -->" { armed = 1; next }
    armed && /```sh/ { inside = 1; next }
    inside && /```/ { exit }
    inside { sub(/^   /, ""); print }
  ' README.md | sed -e 's#\./chart#testdata/hosts/chart#g' -e 's#argo/argo-cd#testdata/charts/argo-cd#g'
}

# Runs a block with HOME, Helm's directories and cargo's install root in
# $WORK, and PATH holding what the README installed plus `helm` as $2.
run_block() {
  local name="$1" helm="$2" script
  script="$(block "$name")"
  [ -n "$script" ] || fail "README.md has no block marked <!-- ci: $name -->"
  mkdir -p "$WORK/bin" "$WORK/home"
  ln -sf "$helm" "$WORK/bin/helm"
  echo "test-readme: $name:" >&2
  echo "$script" | sed 's/^/  | /' >&2
  env HOME="$WORK/home" CARGO_INSTALL_ROOT="$WORK/cargo" \
    CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" \
    HELM_CACHE_HOME="$WORK/helm/cache" HELM_CONFIG_HOME="$WORK/helm/config" HELM_DATA_HOME="$WORK/helm/data" \
    PATH="$WORK/cargo/bin:$WORK/bin:$(dirname "$(command -v cargo)"):/usr/bin:/bin" \
    bash -euo pipefail -c "$script" >"$WORK/$name.out" 2>"$WORK/$name.err" \
    || { cat "$WORK/$name.err" >&2; fail "the README's $name block failed"; }
}

run_block install "$ROOT/.tools/bin/helm4"
[ -x "$WORK/cargo/bin/pullthrough" ] || fail "cargo install put no pullthrough in $WORK/cargo/bin"
"$WORK/cargo/bin/pullthrough" --version | grep -q "^pullthrough " || fail "the installed binary has no --version"

run_block helm4 "$ROOT/.tools/bin/helm4"
grep -q "image: \"\?$REGISTRY/docker-hub/" "$WORK/helm4.out" \
  || { cat "$WORK/helm4.out" >&2; fail "Helm 4 with the plugin rendered no image on the cache"; }
if grep -Eq "^ +image: [\"']?(docker\.io/|nginx|busybox|alpine|bitnami/)" "$WORK/helm4.out"; then
  fail "Helm 4 with the plugin left a Docker Hub image"
fi

run_block argocd "$ROOT/.tools/bin/helm3"
grep -q "name: pullthrough-directory" "$WORK/argocd.out" || fail "the argo-cd chart has no discovering pullthrough sidecar"
grep -q "/var/run/argocd/argocd-cmp-server" "$WORK/argocd.out" || fail "the sidecar does not run argocd-cmp-server"
grep -q "install-shims" "$WORK/argocd.out" || fail "the argo-cd chart has no init container installing the shims"
grep -q "value: /custom-tools:" "$WORK/argocd.out" || fail "the repo-server's PATH does not start with the shims"

echo "test-readme: cargo package" >&2
cargo package --locked --allow-dirty --quiet >"$WORK/package.log" 2>&1 \
  || { cat "$WORK/package.log" >&2; fail "cargo package failed"; }
echo "test-readme: ok (install, Helm 4 plugin render, argo-cd chart, cargo package)" >&2
