#!/usr/bin/env bash
# Build the sidecar image with buildah (no Docker engine, no network) and run
# `pullthrough generate` inside it as uid 999 on the apps of
# testdata/generate/repo, as argocd-cmp-server would: the app's directory as
# the working directory, no stdin, Argo CD's variables.
#
#   scripts/test-image.sh        # needs root and buildah (apt-get install buildah)
#
# Image storage lives in target/buildah (vfs driver, chroot isolation: no
# overlayfs, no user namespaces, no daemon); the image is removed at the end.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
REGISTRY=123456789012.dkr.ecr.eu-west-1.amazonaws.com
IMAGE=localhost/pullthrough-cmp:test
STORE="$ROOT/target/buildah"
B=(buildah --root "$STORE/root" --runroot "$STORE/runroot" --storage-driver vfs)
PASS=0
FAIL=0

command -v buildah >/dev/null || { echo "test-image: buildah is not installed (apt-get install buildah)" >&2; exit 1; }

scripts/prepare-image.sh "$ROOT/target/image"
"${B[@]}" bud --quiet --isolation chroot -f Dockerfile -t "$IMAGE" target/image >/dev/null
CTR="$("${B[@]}" from --quiet "$IMAGE")"
cleanup() {
  "${B[@]}" rm "$CTR" >/dev/null 2>&1 || true
  "${B[@]}" rmi -f "$IMAGE" >/dev/null 2>&1 || true
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
    "$CTR" -- pullthrough generate </dev/null >"$STORE/out" 2>"$STORE/err"
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

echo "image: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
