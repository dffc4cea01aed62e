#!/usr/bin/env bash
# Build the sidecar image for linux/amd64 and linux/arm64 with buildah
# (scripts/build-image.sh: no Docker engine, no network) and check the
# manifest list holds both. Then run `pullthrough generate` inside the amd64
# image as uid 999 on the apps of testdata/generate/repo, as
# argocd-cmp-server would: the app's directory as the working directory, no
# stdin, Argo CD's variables. The arm64 image's binaries run under qemu user
# emulation: inside the image with `buildah run` when binfmt_misc has
# qemu-aarch64 registered, else straight from its filesystem with
# qemu-aarch64-static (no binfmt needed; what this prints says which).
#
#   scripts/test-image.sh        # needs root, buildah and qemu-user-static (apt-get)
#   HELM_MAJOR=3 scripts/test-image.sh   # the Helm 3 image, for Argo CD 3.4 and earlier
#
# The charts render under the image's Helm, which must be the major the
# image was built for (HELM_MAJOR, default 4: the Helm Argo CD 3.5 and later
# ship; scripts/prepare-image.sh): a chart reads .Capabilities.HelmVersion.
#
# No registry here ships an arm64 helm: unless HELM_ARM64 names one, the
# arm64 image is built without helm (HELM_ARM64=none, said loudly) and its
# chart check is left out, said too.
#
# Image storage lives in target/buildah (vfs driver, chroot isolation: no
# overlayfs, no user namespaces, no daemon); the images are removed at the end.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
REGISTRY=123456789012.dkr.ecr.eu-west-1.amazonaws.com
NAME=localhost/pullthrough-cmp:test
IMAGE="$NAME-amd64"
IMAGE_ARM="$NAME-arm64"
STORE="$ROOT/target/buildah"
B=(buildah --root "$STORE/root" --runroot "$STORE/runroot" --storage-driver vfs)
QEMU=qemu-aarch64-static
export HELM_MAJOR="${HELM_MAJOR:-4}"
PASS=0
FAIL=0

command -v buildah >/dev/null || { echo "test-image: buildah is not installed (apt-get install buildah)" >&2; exit 1; }
command -v "$QEMU" >/dev/null || { echo "test-image: $QEMU is not installed (apt-get install qemu-user-static)" >&2; exit 1; }
if [ -z "${HELM_ARM64:-}" ]; then
  echo "test-image: NOTE: HELM_ARM64 not set: the arm64 image is built without helm" >&2
  export HELM_ARM64=none
fi

STORE="$STORE" scripts/build-image.sh "$NAME"
CTR="$("${B[@]}" from --quiet "$IMAGE")"
CTR_ARM="$("${B[@]}" from --quiet --platform linux/arm64 "$IMAGE_ARM" 2>/dev/null)"
cleanup() {
  "${B[@]}" rm "$CTR" "$CTR_ARM" >/dev/null 2>&1 || true
  "${B[@]}" manifest rm "$NAME" >/dev/null 2>&1 || true
  "${B[@]}" rmi -f "$IMAGE" "$IMAGE_ARM" >/dev/null 2>&1 || true
}
trap cleanup EXIT

check() { # name, then a command that must succeed
  local name="$1"; shift
  if "$@"; then
    PASS=$((PASS + 1)); echo "ok: $name"
  else
    FAIL=$((FAIL + 1)); echo "FAILED: $name"
  fi
}

# The image's own configuration.
config="$("${B[@]}" inspect --type image --format '{{.OCIv1.Config.User}} {{.OCIv1.Config.Entrypoint}}' "$IMAGE")"
check "user 999, entrypoint argocd-cmp-server" [ "$config" = '999:999 [/var/run/argocd/argocd-cmp-server]' ]
MNT="$("${B[@]}" mount "$CTR")"
check "plugin.yaml at /home/argocd/cmp-server/config" cmp -s plugin.yaml "$MNT/home/argocd/cmp-server/config/plugin.yaml"
check "plugin-directory.yaml at /home/argocd/cmp-server/directory" \
  cmp -s plugin-directory.yaml "$MNT/home/argocd/cmp-server/directory/plugin.yaml"
check "CA certificates" test -s "$MNT/etc/ssl/certs/ca-certificates.crt"
check "/tmp is writable by all" [ "$(stat -c %a "$MNT/tmp")" = 1777 ]

# The repository as the sidecar receives it, owned by the argocd user.
"${B[@]}" copy --quiet --chown 999:999 "$CTR" testdata/generate/repo /tmp/_cmp_server/repo >/dev/null

generate() { # app path, then extra `buildah run` options; output in $OUT, $ERR, $CODE
  local app="$1"; shift
  set +e
  "${B[@]}" run --isolation chroot --user 999:999 \
    --workingdir "/tmp/_cmp_server/repo/$app" \
    --env ARGOCD_APP_NAME=team-a_shop --env ARGOCD_APP_NAMESPACE=shop \
    --env ARGOCD_APP_SOURCE_PATH="$app" --env KUBE_VERSION=1.32.4 \
    --env KUBE_API_VERSIONS=v1,apps/v1,monitoring.coreos.com/v1 \
    --env PULLTHROUGH_REGISTRY="$REGISTRY" "$@" \
    "${CTR_RUN:-$CTR}" -- pullthrough generate </dev/null >"$STORE/out" 2>"$STORE/err"
  CODE=$?
  set -e
  OUT="$(cat "$STORE/out")"
  ERR="$(cat "$STORE/err")"
}

has() { grep -qF -- "$2" <<<"$1" || { echo "  missing: $2" >&2; echo "$ERR" | sed 's/^/  stderr: /' >&2; false; }; }

generate apps/chart --env 'ARGOCD_APP_PARAMETERS=[{"name":"values-files","array":["values-prod.yaml"]}]'
check "chart: exit 0" [ "$CODE" = 0 ]
check "chart: dependency built, images rewritten" has "$OUT" "image: $REGISTRY/docker-hub/library/redis:7.4"
check "chart: values file" has "$OUT" "image: $REGISTRY/docker-hub/library/busybox:1.36"
check "chart: --api-versions" has "$OUT" "kind: ServiceMonitor"
# The image's Helm is the one the Argo CD it serves ships, and the chart sees
# it in .Capabilities.
check "chart: rendered by Helm $HELM_MAJOR (.Capabilities.HelmVersion)" \
  has "$OUT" "example.com/helm-version: \"v$HELM_MAJOR."
check "chart: ran as uid 999 (it wrote charts/)" \
  [ "$(stat -c %u "$MNT/tmp/_cmp_server/repo/apps/chart/charts/cache-0.1.0.tgz")" = 999 ]

generate apps/kustomize
check "kustomization (kubectl kustomize): exit 0" [ "$CODE" = 0 ]
check "kustomization: images rewritten" has "$OUT" "image: $REGISTRY/docker-hub/library/nginx:1.27.1"

generate apps/plain
check "plain directory: exit 0" [ "$CODE" = 0 ]
check "plain directory: images rewritten" has "$OUT" "image: '$REGISTRY/docker-hub/grafana/grafana:11.1.0'"

generate apps/broken-chart
failed_quietly() { [ "$CODE" = 1 ] && [ -z "$OUT" ]; }
check "broken chart: exit 1, nothing on stdout" failed_quietly
check "broken chart: helm's message" has "$ERR" "broken on purpose"

# The transparent setup in the image: the discovering plugin's command, and
# the init container's install-shims, then the shims as the repo-server runs
# them (their directory first on PATH, the real helm after it).
in_image() { # workdir, then the command; output in $OUT, $ERR, $CODE
  local dir="$1"; shift
  set +e
  "${B[@]}" run --isolation chroot --user 999:999 --workingdir "$dir" \
    --env PATH=/tmp/custom-tools:/usr/local/bin --env PULLTHROUGH_REGISTRY="$REGISTRY" \
    "$CTR" -- "$@" </dev/null >"$STORE/out" 2>"$STORE/err"
  CODE=$?
  set -e
  OUT="$(cat "$STORE/out")"
  ERR="$(cat "$STORE/err")"
}
in_image /tmp/_cmp_server/repo/apps/plain pullthrough discover
check "discover: a plain directory matches" [ "$CODE" = 0 ] && check "discover: it says so" [ -n "$OUT" ]
in_image /tmp/_cmp_server/repo/apps/kustomize pullthrough discover
check "discover: a kustomization does not match" [ "$CODE" = 0 ] && check "discover: silent" [ -z "$OUT" ]
in_image /tmp pullthrough install-shims /tmp/custom-tools
check "install-shims: exit 0" [ "$CODE" = 0 ]
in_image /tmp/_cmp_server/repo/apps/glob-chart helm template shop . --namespace shop
check "helm shim: exit 0" [ "$CODE" = 0 ]
check "helm shim: the image's helm rendered, images rewritten" has "$OUT" "$REGISTRY/docker-hub/"
in_image /tmp helm version --short
check "helm shim: helm version passes through" has "$OUT" "v$HELM_MAJOR."
in_image /tmp /usr/local/bin/helm version --short
check "the image's helm is Helm $HELM_MAJOR" has "$OUT" "v$HELM_MAJOR."

# The manifest list: one image per platform.
platforms="$("${B[@]}" manifest inspect "$NAME" | python3 -c '
import json, sys
m = json.load(sys.stdin)
print(" ".join(sorted(e["platform"]["os"] + "/" + e["platform"]["architecture"] for e in m["manifests"])))
')"
check "manifest list: linux/amd64 and linux/arm64" [ "$platforms" = "linux/amd64 linux/arm64" ]

# The arm64 image: its configuration, and aarch64 binaries.
config="$("${B[@]}" inspect --type image --format '{{.OCIv1.OS}}/{{.OCIv1.Architecture}} {{.OCIv1.Config.User}} {{.OCIv1.Config.Entrypoint}}' "$IMAGE_ARM")"
check "arm64: linux/arm64, user 999, entrypoint argocd-cmp-server" \
  [ "$config" = 'linux/arm64 999:999 [/var/run/argocd/argocd-cmp-server]' ]
MNT_ARM="$("${B[@]}" mount "$CTR_ARM")"
aarch64_static() { case "$(file -b "$1")" in *"ARM aarch64"*"statically linked"*) ;; *) echo "  $1: $(file -b "$1")" >&2; false ;; esac; }
check "arm64: pullthrough is a static aarch64 binary" aarch64_static "$MNT_ARM/usr/local/bin/pullthrough"
check "arm64: kubectl is a static aarch64 binary" aarch64_static "$MNT_ARM/usr/local/bin/kubectl"
check "arm64: plugin.yaml at /home/argocd/cmp-server/config" cmp -s plugin.yaml "$MNT_ARM/home/argocd/cmp-server/config/plugin.yaml"
same_files() { # the two contexts hold the same files but the binaries
  (cd target/image/amd64/rootfs && find . ! -path "./usr/local/bin/*" | sort) >"$STORE/a"
  (cd target/image/arm64/rootfs && find . ! -path "./usr/local/bin/*" | sort) >"$STORE/b"
  cmp -s "$STORE/a" "$STORE/b"
}
check "arm64: the same files as amd64 but the binaries" same_files
check "arm64: the image holds its context (target/image/arm64/SHA256SUMS)" \
  sh -c 'cd "$1" && sha256sum --check --quiet "$2"' _ "$MNT_ARM" "$ROOT/target/image/arm64/SHA256SUMS"
if [ "$HELM_ARM64" = none ]; then
  echo "skipped: arm64 helm (HELM_ARM64=none: no arm64 helm on this machine)"
else
  check "arm64: helm is a static aarch64 binary" aarch64_static "$MNT_ARM/usr/local/bin/helm"
fi
"${B[@]}" copy --quiet --chown 999:999 "$CTR_ARM" testdata/generate/repo /tmp/_cmp_server/repo >/dev/null

aarch64_binfmt() { grep -qx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null; }
if aarch64_binfmt; then
  echo "arm64: binfmt_misc runs aarch64 binaries: generate inside the arm64 image"
  CTR_RUN="$CTR_ARM"
  generate apps/plain
  check "arm64 (buildah run): plain directory: exit 0" [ "$CODE" = 0 ]
  check "arm64 (buildah run): plain directory: images rewritten" has "$OUT" "image: '$REGISTRY/docker-hub/grafana/grafana:11.1.0'"
  generate apps/kustomize
  check "arm64 (buildah run): kustomization (kubectl kustomize): exit 0" [ "$CODE" = 0 ]
  check "arm64 (buildah run): kustomization: images rewritten" has "$OUT" "image: $REGISTRY/docker-hub/library/nginx:1.27.1"
  if [ "$HELM_ARM64" != none ]; then
    generate apps/chart --env 'ARGOCD_APP_PARAMETERS=[{"name":"values-files","array":["values-prod.yaml"]}]'
    check "arm64 (buildah run): chart: exit 0" [ "$CODE" = 0 ]
    check "arm64 (buildah run): chart: images rewritten" has "$OUT" "image: $REGISTRY/docker-hub/library/redis:7.4"
  fi
else
  echo "arm64: no binfmt_misc entry for aarch64: the image's binaries run under $QEMU directly"
  bin="$MNT_ARM/usr/local/bin"
  app="$MNT_ARM/tmp/_cmp_server/repo/apps"
  check "arm64 ($QEMU): pullthrough --version" [ "$("$QEMU" "$bin/pullthrough" --version)" = "$("$MNT/usr/local/bin/pullthrough" --version)" ]
  check "arm64 ($QEMU): kubectl version --client" sh -c '"$1" "$2" version --client >/dev/null' _ "$QEMU" "$bin/kubectl"
  if [ "$HELM_ARM64" != none ]; then
    check "arm64 ($QEMU): helm version" sh -c '"$1" "$2" version --short >/dev/null' _ "$QEMU" "$bin/helm"
  fi
  # generate on a plain directory runs no other program.
  set +e
  OUT="$(cd "$app/plain" && env -i ARGOCD_APP_NAME=team-a_shop ARGOCD_APP_NAMESPACE=shop \
    ARGOCD_APP_SOURCE_PATH=apps/plain PULLTHROUGH_REGISTRY="$REGISTRY" HOME=/tmp PATH="$bin" \
    "$(command -v "$QEMU")" "$bin/pullthrough" generate </dev/null 2>"$STORE/err")"
  CODE=$?
  set -e
  ERR="$(cat "$STORE/err")"
  check "arm64 ($QEMU): generate, plain directory: exit 0" [ "$CODE" = 0 ]
  check "arm64 ($QEMU): generate, plain directory: images rewritten" has "$OUT" "image: '$REGISTRY/docker-hub/grafana/grafana:11.1.0'"
  # A kustomization: the arm64 kubectl renders it, the arm64 pullthrough rewrites it.
  set +e
  OUT="$("$QEMU" "$bin/kubectl" kustomize "$app/kustomize" 2>"$STORE/err" |
    "$QEMU" "$bin/pullthrough" --registry "$REGISTRY" 2>>"$STORE/err")"
  CODE=$?
  set -e
  ERR="$(cat "$STORE/err")"
  check "arm64 ($QEMU): kubectl kustomize | pullthrough: exit 0" [ "$CODE" = 0 ]
  check "arm64 ($QEMU): kustomization: images rewritten" has "$OUT" "image: $REGISTRY/docker-hub/library/nginx:1.27.1"
fi
if [ "$HELM_ARM64" = none ]; then
  echo "skipped: arm64 chart rendering (no arm64 helm in this build)"
fi

echo "image: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
