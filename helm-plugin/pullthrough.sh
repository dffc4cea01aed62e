#!/bin/sh
# Helm 4 post-renderer entry point (plugin.yaml runs it), with the
# --post-renderer-args as its arguments. It runs the first of:
#   ${HELM_PLUGIN_DIR}/bin/pullthrough          a binary you put there
#   ${HELM_PLUGIN_DIR}/bin/pullthrough-<arch>   the release tarball's, by `uname -m`:
#                                               x86_64 (amd64) or aarch64 (arm64)
#   pullthrough on PATH
#
# Helm 4 throws a post-renderer's stderr away: set PULLTHROUGH_LOG=FILE (or
# pass --post-renderer-args --log --post-renderer-args FILE) to keep the
# warnings and errors.
dir="${HELM_PLUGIN_DIR:-$(dirname "$0")}"
if [ -x "$dir/bin/pullthrough" ]; then
  exec "$dir/bin/pullthrough" "$@"
fi
machine="$(uname -m)"
case "$machine" in
  x86_64 | amd64) arch=x86_64 ;;
  aarch64 | arm64) arch=aarch64 ;;
  *) arch="" ;;
esac
if [ -n "$arch" ] && [ -x "$dir/bin/pullthrough-$arch" ]; then
  exec "$dir/bin/pullthrough-$arch" "$@"
fi
if command -v pullthrough >/dev/null 2>&1; then
  exec pullthrough "$@"
fi
if [ -n "$arch" ]; then
  msg="pullthrough: error: no pullthrough binary at $dir/bin/pullthrough-$arch or $dir/bin/pullthrough, nor on PATH"
else
  msg="pullthrough: error: no pullthrough binary for this machine ($machine; the plugin has x86_64 and aarch64) and none on PATH"
fi
echo "$msg" >&2
if [ -n "${PULLTHROUGH_LOG:-}" ]; then
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $msg" >>"$PULLTHROUGH_LOG"
fi
exit 2
