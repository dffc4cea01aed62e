#!/usr/bin/env bash
# Build the release files into dist/ (docs/releases.md):
#
#   scripts/release.sh            # DIST=dir to write elsewhere
#
#   dist/pullthrough-x86_64-unknown-linux-musl    static, stripped
#   dist/pullthrough-aarch64-unknown-linux-musl   static, stripped (Graviton)
#   dist/pullthrough-helm-plugin-<version>.tgz    the Helm 4 plugin with both binaries:
#       pullthrough-helm-plugin/{plugin.yaml,pullthrough.sh}
#       pullthrough-helm-plugin/bin/pullthrough-{x86_64,aarch64}
#     (Helm 4 looks for plugin.yaml in the directory named after the tarball
#     less its version; `helm plugin install FILE.tgz --verify=false`)
#   dist/SHA256SUMS                               `sha256sum --check SHA256SUMS` in dist/
#
# <version> is Cargo.toml's; helm-plugin/plugin.yaml must carry the same.
# Both targets come from rustup (`rustup target add`); a target that cannot
# be added stops the release with one line naming it. The arm64 binary is
# linked with the toolchain's rust-lld (.cargo/config.toml); the allocator,
# mimalloc, is C and is compiled against musl's headers: musl-gcc for x86_64
# (musl-tools), Debian's aarch64 gcc with musl-dev:arm64 for arm64.
# Stripping is the release profile's (Cargo.toml). The tarball is
# reproducible: sorted, owner 0, mtime of the last commit, gzip -n.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIST="${DIST:-$ROOT/dist}"
TARGETS=(x86_64-unknown-linux-musl aarch64-unknown-linux-musl)

die() { echo "release: $*" >&2; exit 1; }

command -v file >/dev/null || die "'file' is needed to check the binaries are static (apt-get install file)"
command -v rustup >/dev/null || die "rustup is needed to add the targets ${TARGETS[*]}"
# The C compilers of .cargo/config.toml, for mimalloc (src/main.rs).
command -v musl-gcc >/dev/null ||
  die "musl-gcc is needed to build the allocator for x86_64-unknown-linux-musl (apt-get install musl-tools)"
command -v aarch64-linux-gnu-gcc >/dev/null && [ -f /usr/lib/aarch64-linux-musl/musl-gcc.specs ] ||
  die "aarch64-linux-gnu-gcc and musl's arm64 headers are needed to build the allocator for aarch64-unknown-linux-musl (dpkg --add-architecture arm64 && apt-get update && apt-get install gcc-aarch64-linux-gnu musl-dev:arm64)"

# The [package] version of Cargo.toml, and the plugin's.
VERSION="$(awk '/^\[/{p=($0=="[package]")} p && /^version *=/{gsub(/.*= *"|".*/,""); print; exit}' "$ROOT/Cargo.toml")"
[ -n "$VERSION" ] || die "no version in Cargo.toml's [package]"
PLUGIN_VERSION="$(sed -n 's/^version: *//p' "$ROOT/helm-plugin/plugin.yaml")"
[ "$PLUGIN_VERSION" = "$VERSION" ] ||
  die "helm-plugin/plugin.yaml has version '$PLUGIN_VERSION', Cargo.toml $VERSION: make them the same"

installed="$(rustup target list --installed)"
for target in "${TARGETS[@]}"; do
  grep -qx "$target" <<<"$installed" && continue
  echo "release: adding the Rust target $target" >&2
  if ! log="$(rustup target add "$target" 2>&1)"; then
    die "cannot add the Rust target $target: $(tail -n 1 <<<"$log")"
  fi
done

mkdir -p "$DIST"
rm -f "$DIST"/pullthrough-* "$DIST/SHA256SUMS"
for target in "${TARGETS[@]}"; do
  echo "release: building pullthrough $VERSION for $target" >&2
  cargo build --release --locked --target "$target" --manifest-path "$ROOT/Cargo.toml" >&2 ||
    die "cargo build --release --target $target failed"
  bin="$ROOT/target/$target/release/pullthrough"
  kind="$(file -b "$bin")"
  case "$target" in
    x86_64-*) want="x86-64" ;;
    aarch64-*) want="ARM aarch64" ;;
  esac
  case "$kind" in
    *"$want"*) ;;
    *) die "$bin is not a $want executable: $kind" ;;
  esac
  case "$kind" in
    *"statically linked"* | *"static-pie linked"*) ;;
    *) die "$bin is not statically linked: $kind" ;;
  esac
  case "$kind" in
    *", stripped"*) ;;
    *) die "$bin is not stripped: $kind" ;;
  esac
  install -m 0755 "$bin" "$DIST/pullthrough-$target"
done

# The Helm 4 plugin: the entry script picks bin/pullthrough-$(uname -m).
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
plugin="$stage/pullthrough-helm-plugin"
mkdir -p "$plugin/bin"
install -m 0644 "$ROOT/helm-plugin/plugin.yaml" "$plugin/plugin.yaml"
install -m 0755 "$ROOT/helm-plugin/pullthrough.sh" "$plugin/pullthrough.sh"
install -m 0755 "$DIST/pullthrough-x86_64-unknown-linux-musl" "$plugin/bin/pullthrough-x86_64"
install -m 0755 "$DIST/pullthrough-aarch64-unknown-linux-musl" "$plugin/bin/pullthrough-aarch64"
mtime="$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || echo 0)"
TARBALL="pullthrough-helm-plugin-$VERSION.tgz"
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" \
  -cf - pullthrough-helm-plugin | gzip -n -9 >"$DIST/$TARBALL"

(cd "$DIST" && sha256sum "pullthrough-${TARGETS[0]}" "pullthrough-${TARGETS[1]}" "$TARBALL" >SHA256SUMS)
echo "release: $DIST" >&2
(cd "$DIST" && ls -l "pullthrough-${TARGETS[0]}" "pullthrough-${TARGETS[1]}" "$TARBALL" SHA256SUMS | sed 's/^/  /') >&2
