#!/usr/bin/env bash
# Build the sidecar image for linux/amd64 and linux/arm64 with buildah (no
# Docker engine, no network, no emulation: the Dockerfile only copies) and
# combine them into one manifest list.
#
#   HELM_ARM64=path/to/arm64/helm HELM_ARM64_SHA256=… scripts/build-image.sh [NAME]
#       NAME default localhost/pullthrough-cmp:<Cargo.toml version>
#   buildah --root target/buildah/root --runroot target/buildah/runroot --storage-driver vfs \
#       manifest push --all NAME docker://REGISTRY/pullthrough-cmp:<version>
#
# Makes the images NAME-amd64 and NAME-arm64 and the manifest list NAME
# holding both (replacing earlier ones of those names), then checks with
# `buildah manifest inspect` that the list has linux/amd64 and linux/arm64.
# The build context is scripts/prepare-image.sh's (its variables apply:
# HELM, KUBECTL, HELM_ARM64, KUBECTL_ARM64, …). Image storage: $STORE
# (default target/buildah; vfs driver, chroot isolation: no overlayfs, no user
# namespaces, no daemon).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VERSION="$(awk '/^\[/{p=($0=="[package]")} p && /^version *=/{gsub(/.*= *"|".*/,""); print; exit}' Cargo.toml)"
NAME="${1:-localhost/pullthrough-cmp:$VERSION}"
STORE="${STORE:-$ROOT/target/buildah}"
B=(buildah --root "$STORE/root" --runroot "$STORE/runroot" --storage-driver vfs)
ARCHS=(amd64 arm64)

die() { echo "build-image: $*" >&2; exit 1; }
command -v buildah >/dev/null || die "buildah is not installed (apt-get install buildah)"

PLATFORMS="linux/amd64 linux/arm64" scripts/prepare-image.sh "$ROOT/target/image"

# An earlier list or images of these names go first: `manifest create`
# refuses an existing name.
"${B[@]}" manifest rm "$NAME" >/dev/null 2>&1 || "${B[@]}" rmi -f "$NAME" >/dev/null 2>&1 || true
for arch in "${ARCHS[@]}"; do
  "${B[@]}" rmi -f "$NAME-$arch" >/dev/null 2>&1 || true
  echo "build-image: building $NAME-$arch (linux/$arch)" >&2
  "${B[@]}" bud --quiet --isolation chroot --platform "linux/$arch" \
    -f Dockerfile -t "$NAME-$arch" target/image >/dev/null
  got="$("${B[@]}" inspect --type image --format '{{.OCIv1.OS}}/{{.OCIv1.Architecture}}' "$NAME-$arch")"
  [ "$got" = "linux/$arch" ] || die "$NAME-$arch is $got, not linux/$arch"
done

"${B[@]}" manifest create "$NAME" >/dev/null
for arch in "${ARCHS[@]}"; do
  "${B[@]}" manifest add "$NAME" "$NAME-$arch" >/dev/null
done

# The list must name both platforms, once each.
platforms="$("${B[@]}" manifest inspect "$NAME" | python3 -c '
import json, sys
m = json.load(sys.stdin)
print(" ".join(sorted(e["platform"]["os"] + "/" + e["platform"]["architecture"] for e in m["manifests"])))
')"
[ "$platforms" = "linux/amd64 linux/arm64" ] || die "manifest list $NAME has '$platforms', not linux/amd64 and linux/arm64"
echo "build-image: $NAME: manifest list of $platforms" >&2
