#!/usr/bin/env bash
# Checks what scripts/release.sh wrote to dist/: the checksums, both binaries
# static and stripped, the Helm 4 plugin tarball's contents, the entry
# script's choice of binary by `uname -m`, and the tarball installed for real
# with Helm 4 (`helm plugin install FILE.tgz --verify=false`) and used as
# `--post-renderer pullthrough` on testdata/hosts/chart.
#
#   scripts/test-release.sh        # after scripts/release.sh; DIST=dir as there
#
# Needs .tools/bin/helm4 (scripts/install-hosts.sh). The aarch64 binary's
# behaviour is scripts/test-arm64.sh's.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DIST="${DIST:-$ROOT/dist}"
REGISTRY=123456789012.dkr.ecr.eu-west-1.amazonaws.com
HELM4="$ROOT/.tools/bin/helm4"
PASS=0
FAIL=0

die() { echo "test-release: $*" >&2; exit 1; }
[ -x "$HELM4" ] || die "no Helm 4 at $HELM4 (scripts/install-hosts.sh installs it)"
VERSION="$(sed -n 's/^version: *//p' helm-plugin/plugin.yaml)"
TARBALL="pullthrough-helm-plugin-$VERSION.tgz"
X86="$DIST/pullthrough-x86_64-unknown-linux-musl"
ARM="$DIST/pullthrough-aarch64-unknown-linux-musl"
[ -f "$DIST/$TARBALL" ] || die "no $DIST/$TARBALL: run scripts/release.sh first"

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

check() { # name, then a command that must succeed
  local name="$1"; shift
  if "$@"; then
    PASS=$((PASS + 1)); echo "ok: $name"
  else
    FAIL=$((FAIL + 1)); echo "FAILED: $name"
  fi
}
quietly() { # a command whose output is shown only when it fails
  local out
  out="$("$@" 2>&1)" || { sed 's/^/  /' <<<"$out" >&2; return 1; }
}
has() { grep -qF -- "$2" <<<"$1" || { echo "  missing: $2" >&2; false; }; }

sums_ok() { (cd "$DIST" && sha256sum --check --quiet SHA256SUMS); }
check "SHA256SUMS lists both binaries and the tarball, and they match" sums_ok
check "SHA256SUMS has three entries" [ "$(wc -l <"$DIST/SHA256SUMS")" = 3 ]
static_stripped() { # file, architecture as `file` names it
  local kind; kind="$(file -b "$1")"
  case "$kind" in *"$2"*) ;; *) echo "  not $2: $kind" >&2; return 1 ;; esac
  case "$kind" in *"statically linked"* | *"static-pie linked"*) ;; *) echo "  not static: $kind" >&2; return 1 ;; esac
  case "$kind" in *", stripped"*) ;; *) echo "  not stripped: $kind" >&2; return 1 ;; esac
}
check "x86_64 binary: static, stripped" static_stripped "$X86" "x86-64"
check "aarch64 binary: static, stripped" static_stripped "$ARM" "ARM aarch64"
# Cargo.toml's version, and the commit when built from a git checkout.
version_is() { case "$("$1" --version)" in "pullthrough $VERSION" | "pullthrough $VERSION (commit "*")") ;; *) return 1 ;; esac; }
check "x86_64 binary: --version is Cargo.toml's" version_is "$X86"

# The tarball: exactly these files, the binaries the ones in dist/.
listing="$(tar -tzf "$DIST/$TARBALL" | sort)"
want="$(printf '%s\n' pullthrough-helm-plugin/ pullthrough-helm-plugin/bin/ \
  pullthrough-helm-plugin/bin/pullthrough-aarch64 pullthrough-helm-plugin/bin/pullthrough-x86_64 \
  pullthrough-helm-plugin/plugin.yaml pullthrough-helm-plugin/pullthrough.sh)"
check "tarball holds plugin.yaml, the entry script and both binaries" [ "$listing" = "$want" ]
mkdir -p "$TMP/unpacked"
tar -xzf "$DIST/$TARBALL" -C "$TMP/unpacked"
P="$TMP/unpacked/pullthrough-helm-plugin"
check "tarball: bin/pullthrough-x86_64 is dist's x86_64 binary" cmp -s "$P/bin/pullthrough-x86_64" "$X86"
check "tarball: bin/pullthrough-aarch64 is dist's aarch64 binary" cmp -s "$P/bin/pullthrough-aarch64" "$ARM"
check "tarball: plugin.yaml and pullthrough.sh are the repository's" \
  sh -c 'cmp -s "$1/plugin.yaml" helm-plugin/plugin.yaml && cmp -s "$1/pullthrough.sh" helm-plugin/pullthrough.sh' _ "$P"

# The entry script's choice, with `uname -m` faked: stand-in binaries that
# print their name, and PATH without pullthrough unless asked.
mkdir -p "$TMP/pick/bin" "$TMP/fake" "$TMP/path"
for arch in x86_64 aarch64; do
  printf '#!/bin/sh\necho %s "$@"\n' "$arch" >"$TMP/pick/bin/pullthrough-$arch"
done
printf '#!/bin/sh\necho from-path "$@"\n' >"$TMP/path/pullthrough"
chmod +x "$TMP/pick/bin/"* "$TMP/path/pullthrough"
cp helm-plugin/pullthrough.sh "$TMP/pick/"
pick() { # machine, extra PATH entry (or ""): prints what ran, exit code last
  printf '#!/bin/sh\necho %s\n' "$1" >"$TMP/fake/uname"
  chmod +x "$TMP/fake/uname"
  local path="$TMP/fake:/usr/bin:/bin"
  [ -z "$2" ] || path="$2:$path"
  set +e
  HELM_PLUGIN_DIR="$TMP/pick" PATH="$path" sh "$TMP/pick/pullthrough.sh" --x 2>&1
  echo "exit $?"
  set -e
}
check "entry script: x86_64 runs bin/pullthrough-x86_64" [ "$(pick x86_64 "")" = $'x86_64 --x\nexit 0' ]
check "entry script: amd64 runs bin/pullthrough-x86_64" [ "$(pick amd64 "")" = $'x86_64 --x\nexit 0' ]
check "entry script: aarch64 runs bin/pullthrough-aarch64" [ "$(pick aarch64 "")" = $'aarch64 --x\nexit 0' ]
check "entry script: arm64 runs bin/pullthrough-aarch64" [ "$(pick arm64 "")" = $'aarch64 --x\nexit 0' ]
check "entry script: another machine falls back to PATH" [ "$(pick riscv64 "$TMP/path")" = $'from-path --x\nexit 0' ]
out="$(pick riscv64 "")"
check "entry script: another machine, none on PATH: exit 2 and why" \
  has "$out" $'no pullthrough binary for this machine (riscv64; the plugin has x86_64 and aarch64) and none on PATH\nexit 2'
rm "$TMP/pick/bin/pullthrough-aarch64"
out="$(pick aarch64 "")"
check "entry script: its binary missing, none on PATH: exit 2 and where it looked" \
  has "$out" $'no pullthrough binary at '"$TMP/pick/bin/pullthrough-aarch64"
printf '#!/bin/sh\necho own "$@"\n' >"$TMP/pick/bin/pullthrough"
chmod +x "$TMP/pick/bin/pullthrough"
check "entry script: bin/pullthrough, when there, comes first" [ "$(pick x86_64 "")" = $'own --x\nexit 0' ]

# Helm 4 installs the tarball and runs it as the post-renderer.
helm4() {
  # PATH without any pullthrough: the tarball's binary must be the one that runs.
  env -u HELM_PLUGINS PATH=/usr/bin:/bin HELM_CACHE_HOME="$TMP/helm/cache" HELM_CONFIG_HOME="$TMP/helm/config" \
    HELM_DATA_HOME="$TMP/helm/data" "$HELM4" "$@"
}
check "helm 4: plugin install from the tarball (--verify=false: unsigned)" \
  quietly helm4 plugin install "$DIST/$TARBALL" --verify=false
installed="$(helm4 plugin list 2>&1)"
check "helm 4: plugin list shows pullthrough $VERSION, postrenderer/v1" \
  grep -qE "^pullthrough[[:space:]]+${VERSION}[[:space:]]+postrenderer/v1" <<<"$installed"
set +e
rendered="$(helm4 template web testdata/hosts/chart --post-renderer pullthrough \
  --post-renderer-args --registry --post-renderer-args "$REGISTRY" 2>"$TMP/helm.err")"
code=$?
set -e
check "helm 4: template --post-renderer pullthrough: exit 0" [ "$code" = 0 ]
[ "$code" = 0 ] || sed 's/^/  helm: /' "$TMP/helm.err"
check "helm 4: templates rewritten" has "$rendered" "image: \"$REGISTRY/docker-hub/library/nginx:1.25\""
check "helm 4: hooks rewritten too" has "$rendered" "image: \"$REGISTRY/docker-hub/library/alpine:3.20\""
check "helm 4: files keep their names" has "$rendered" "# Source: webapp/templates/hook-job.yaml"
check "helm 4: plugin uninstall" quietly helm4 plugin uninstall pullthrough

echo "release: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
