#!/bin/sh
# Helm 4 post-renderer entry point (plugin.yaml runs it): runs
# ${HELM_PLUGIN_DIR}/bin/pullthrough when present, else pullthrough from PATH,
# with the --post-renderer-args as its arguments.
#
# Helm 4 throws a post-renderer's stderr away: set PULLTHROUGH_LOG=FILE (or
# pass --post-renderer-args --log --post-renderer-args FILE) to keep the
# warnings and errors.
dir="${HELM_PLUGIN_DIR:-$(dirname "$0")}"
if [ -x "$dir/bin/pullthrough" ]; then
  exec "$dir/bin/pullthrough" "$@"
fi
if command -v pullthrough >/dev/null 2>&1; then
  exec pullthrough "$@"
fi
msg="pullthrough: error: no pullthrough binary at $dir/bin/pullthrough or on PATH"
echo "$msg" >&2
if [ -n "${PULLTHROUGH_LOG:-}" ]; then
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $msg" >>"$PULLTHROUGH_LOG"
fi
exit 2
