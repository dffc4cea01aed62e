#!/usr/bin/env bash
# Re-record what every host sends to a filter, with an identity `tee` stand-in
# instead of pullthrough, and re-check how each host reacts to a failing filter.
#
#   scripts/install-hosts.sh && testdata/hosts/observe.sh
#
# Writes testdata/hosts/observed/<host>.stdin.yaml (exact bytes the host wrote
# to the filter's stdin) and <host>.args.txt (argv, cwd, env vars the host
# added). Work dir: ${TMPDIR:-/tmp}/pullthrough-hosts-observe (fixed, so the
# absolute paths kpt puts in annotations are stable; wiped before and after).
# Prints one PASS/FAIL line per expectation, then a summary line.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
HELM3="$ROOT/.tools/bin/helm3"
HELM4="$ROOT/.tools/bin/helm4"
OBS="$HERE/observed"
W="${TMPDIR:-/tmp}/pullthrough-hosts-observe"
REGISTRY=123456789012.dkr.ecr.eu-west-1.amazonaws.com

for b in "$HELM3" "$HELM4"; do
  [ -x "$b" ] || { echo "observe: $b missing; run scripts/install-hosts.sh" >&2; exit 1; }
done
command -v kubectl >/dev/null && command -v kpt >/dev/null \
  || { echo "observe: kubectl and kpt must be on PATH" >&2; exit 1; }

rm -rf "$W"
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/bin" "$OBS"
cd "$W"

# Isolated Helm homes (exported before the env baseline is taken).
export HELM_CACHE_HOME="$W/helm/cache" HELM_CONFIG_HOME="$W/helm/config" HELM_DATA_HOME="$W/helm/data"
env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p' | sort -u > "$W/baseline.names"

# --- stand-in filters --------------------------------------------------------
cat > "$W/bin/tee-filter" <<EOF
#!/usr/bin/env bash
# Identity filter: record stdin, argv, cwd and new env vars, then echo stdin.
out="$OBS/\${OBS_NAME:?}"
{
  printf 'argv[0]=%s\n' "\$0"
  i=1; for a in "\$@"; do printf 'argv[%d]=%s\n' "\$i" "\$a"; i=\$((i+1)); done
  printf 'cwd=%s\n' "\$PWD"
  for n in \$(compgen -e | sort); do
    [ "\$n" = OBS_NAME ] && continue
    grep -qx "\$n" "$W/baseline.names" || printf 'env %s=%q\n' "\$n" "\${!n}"
  done
} > "\$out.args.txt"
tee "\$out.stdin.yaml"
EOF
cat > "$W/bin/fail-filter" <<'EOF'
#!/bin/sh
# Consumes stdin, prints two stderr lines and nothing on stdout, exits 3.
cat > /dev/null
echo "pullthrough: error: simulated failure" >&2
echo "second stderr line" >&2
exit 3
EOF
cat > "$W/bin/fail-noisy-filter" <<'EOF'
#!/bin/sh
# Same, but also writes a non-YAML line to stdout before failing.
cat > /dev/null
echo "pullthrough: error: simulated failure" >&2
echo "partial stdout"
exit 3
EOF
cat > "$W/bin/empty-filter" <<'EOF'
#!/bin/sh
# Swallows everything and exits 0.
cat > /dev/null
EOF
chmod +x "$W"/bin/*

passed=0 failed=0
check() { # check "description" command...
  local d="$1"; shift
  if "$@"; then echo "PASS: $d"; passed=$((passed+1)); else echo "FAIL: $d"; failed=$((failed+1)); fi
}
run() { # run NAME command...  -> $W/NAME.out, $W/NAME.err, $W/NAME.rc
  local n="$1"; shift
  set +e; "$@" > "$W/$n.out" 2> "$W/$n.err"; echo $? > "$W/$n.rc"; set -e
}
rc() { cat "$W/$1.rc"; }
has() { grep -qF -- "$2" "$W/$1"; }

# --- Helm 3: --post-renderer PATH ------------------------------------------
CHART="$HERE/chart"
run h3 env OBS_NAME=helm3 "$HELM3" template rel1 "$CHART" --post-renderer "$W/bin/tee-filter" \
  --post-renderer-args --registry --post-renderer-args "a,b"
check "helm3: identity post-render ok" [ "$(rc h3)" = 0 ]
check "helm3: output identical to no post-renderer" cmp -s "$W/h3.out" <("$HELM3" template rel1 "$CHART")
check "helm3: hook Job not sent to post-renderer" bash -c "! grep -q alpine '$OBS/helm3.stdin.yaml'"
check "helm3: '# Source:' comments sent" grep -q '^# Source: webapp/templates/deployment.yaml$' "$OBS/helm3.stdin.yaml"
run h3fail "$HELM3" template rel1 "$CHART" --post-renderer "$W/bin/fail-filter"
check "helm3: failing filter -> rc 1, stderr shown" \
  bash -c "[ $(rc h3fail) = 1 ] && grep -q 'simulated failure' '$W/h3fail.err' && grep -q 'exit status 3' '$W/h3fail.err'"
run h3empty "$HELM3" template rel1 "$CHART" --post-renderer "$W/bin/empty-filter"
check "helm3: empty output accepted (rc 0, only hooks printed)" \
  bash -c "[ $(rc h3empty) = 0 ] && ! grep -q nginx '$W/h3empty.out' && grep -q alpine '$W/h3empty.out'"

# --- Helm 4: postrenderer/v1 plugin -----------------------------------------
mk_plugin() { # mk_plugin DIR FILTER
  mkdir -p "$1/bin"
  cp "$2" "$1/bin/filter"
  cat > "$1/plugin.yaml" <<'EOF'
apiVersion: v1
type: postrenderer/v1
name: pullthrough
version: 0.1.0
runtime: subprocess
runtimeConfig:
  platformCommand:
    - os: linux
      arch: amd64
      command: ${HELM_PLUGIN_DIR}/bin/filter
      args: ["--from-plugin-yaml"]
    - command: ${HELM_PLUGIN_DIR}/bin/filter
EOF
}
mk_plugin "$W/plugins/ok/pullthrough" "$W/bin/tee-filter"
mk_plugin "$W/plugins/fail/pullthrough" "$W/bin/fail-filter"
mk_plugin "$W/plugins/empty/pullthrough" "$W/bin/empty-filter"
run h4install "$HELM4" plugin install "$W/plugins/ok/pullthrough"
check "helm4: plugin install from dir" [ "$(rc h4install)" = 0 ]
run h4 env OBS_NAME=helm4 "$HELM4" template rel1 "$CHART" --post-renderer pullthrough \
  --post-renderer-args --registry --post-renderer-args "a,b"
check "helm4: identity post-render ok" [ "$(rc h4)" = 0 ]
check "helm4: hook Job sent to post-renderer" grep -q 'alpine:3.20' "$OBS/helm4.stdin.yaml"
check "helm4: postrender-filename annotation on every doc" \
  [ "$(grep -c 'postrenderer.helm.sh/postrender-filename' "$OBS/helm4.stdin.yaml")" = 5 ]
check "helm4: args = platformCommand.args then --post-renderer-args" \
  grep -qz 'argv\[1\]=--from-plugin-yaml.argv\[2\]=--registry.argv\[3\]=a,b' "$OBS/helm4.args.txt"
run h4plugins env OBS_NAME=helm4-HELM_PLUGINS HELM_PLUGINS="$W/plugins/ok" \
  "$HELM4" template rel1 "$CHART" --post-renderer pullthrough
check "helm4: HELM_PLUGINS=dir works without install" [ "$(rc h4plugins)" = 0 ]
rm -f "$OBS/helm4-HELM_PLUGINS".*
run h4fail env HELM_PLUGINS="$W/plugins/fail" "$HELM4" template rel1 "$CHART" --post-renderer pullthrough --debug
check "helm4: failing filter -> rc 1, stderr discarded" \
  bash -c "[ $(rc h4fail) = 1 ] && grep -q 'exited with error' '$W/h4fail.err' && ! grep -q 'simulated failure' '$W/h4fail.err'"
run h4empty env HELM_PLUGINS="$W/plugins/empty" "$HELM4" template rel1 "$CHART" --post-renderer pullthrough
check "helm4: empty output rejected" \
  bash -c "[ $(rc h4empty) = 1 ] && grep -q 'produced empty output' '$W/h4empty.err'"
run h4path "$HELM4" template rel1 "$CHART" --post-renderer "$W/bin/tee-filter"
check "helm4: --post-renderer PATH rejected" bash -c "[ $(rc h4path) = 1 ] && grep -q 'not found' '$W/h4path.err'"

# --- kustomize legacy exec plugin (kubectl kustomize) ------------------------
plugin_home() { # plugin_home DIR FILTER
  mkdir -p "$1/pullthrough.dev/v1alpha1/pullthrough"
  ln -s "$2" "$1/pullthrough.dev/v1alpha1/pullthrough/PullThrough"
}
cp -r "$HERE/kustomize-legacy" "$W/kl"
plugin_home "$W/kplugins-ok" "$W/bin/tee-filter"
plugin_home "$W/kplugins-fail" "$W/bin/fail-filter"
plugin_home "$W/kplugins-empty" "$W/bin/empty-filter"
run kl env OBS_NAME=kustomize-legacy KUSTOMIZE_PLUGIN_HOME="$W/kplugins-ok" \
  kubectl kustomize --enable-alpha-plugins "$W/kl"
check "kustomize-legacy: identity ok" [ "$(rc kl)" = 0 ]
check "kustomize-legacy: argv[1] is a temp config file" grep -q '^argv\[1\]=/tmp/kust-plugin-config-' "$OBS/kustomize-legacy.args.txt"
# The temp file name is random: make the recorded sample stable.
sed -i 's#/tmp/kust-plugin-config-[0-9]*#/tmp/kust-plugin-config-NNNNNNNNNN#' "$OBS/kustomize-legacy.args.txt"
check "kustomize-legacy: items carry kustomize.config.k8s.io/id" grep -q 'kustomize.config.k8s.io/id' "$OBS/kustomize-legacy.stdin.yaml"
check "kustomize-legacy: stdin re-serialized (0755 -> 493)" grep -q 'defaultMode: 493' "$OBS/kustomize-legacy.stdin.yaml"
run klnoflag env KUSTOMIZE_PLUGIN_HOME="$W/kplugins-ok" kubectl kustomize "$W/kl"
check "kustomize-legacy: without --enable-alpha-plugins -> error" \
  bash -c "[ $(rc klnoflag) = 1 ] && grep -q 'external plugins disabled' '$W/klnoflag.err'"
run klfail env KUSTOMIZE_PLUGIN_HOME="$W/kplugins-fail" kubectl kustomize --enable-alpha-plugins "$W/kl"
check "kustomize-legacy: failing filter -> rc 1, stderr shown" \
  bash -c "[ $(rc klfail) = 1 ] && grep -q 'simulated failure' '$W/klfail.err' && grep -q 'exit status 3' '$W/klfail.err'"
run klempty env KUSTOMIZE_PLUGIN_HOME="$W/kplugins-empty" kubectl kustomize --enable-alpha-plugins "$W/kl"
check "kustomize-legacy: empty output accepted (rc 0, no resources)" \
  bash -c "[ $(rc klempty) = 0 ] && [ ! -s '$W/klempty.out' ]"

# --- kustomize exec KRM function ---------------------------------------------
cp -r "$HERE/kustomize-krm" "$W/kk"
mkdir -p "$W/kk/bin" && ln -s "$W/bin/tee-filter" "$W/kk/bin/pullthrough"
run kk env OBS_NAME=kustomize-krm-kubectl kubectl kustomize --enable-alpha-plugins "$W/kk"
check "kubectl kustomize: exec KRM fn silently skipped" \
  bash -c "[ $(rc kk) = 0 ] && [ ! -e '$OBS/kustomize-krm-kubectl.stdin.yaml' ] && grep -q 'image: nginx:1.25' '$W/kk.out'"
run kkexec kubectl kustomize --enable-alpha-plugins --enable-exec "$W/kk"
check "kubectl kustomize: no --enable-exec flag" bash -c "[ $(rc kkexec) = 1 ] && grep -q 'unknown flag: --enable-exec' '$W/kkexec.err'"
if command -v kustomize >/dev/null; then
  run kkstd env OBS_NAME=kustomize-krm kustomize build --enable-alpha-plugins --enable-exec "$W/kk"
  check "kustomize: exec KRM function" [ "$(rc kkstd)" = 0 ]
else
  echo "SKIP: kustomize exec KRM function (no standalone kustomize on PATH)"
fi

# --- kpt ----------------------------------------------------------------------
KPT="$HERE/kpt"
cp -r "$KPT" "$W/kpt-eval" && cp -r "$KPT" "$W/kpt-eval-inplace" && cp -r "$KPT" "$W/kpt-render"
run kpt1 env OBS_NAME=kpt-fn-eval kpt fn eval "$W/kpt-eval" --exec "$W/bin/tee-filter --flag 'a b'" \
  -o unwrap -- registry=$REGISTRY
check "kpt fn eval --exec -o unwrap ok" [ "$(rc kpt1)" = 0 ]
check "kpt fn eval: exec string shell-split" grep -q "^argv\[2\]=a b$" "$OBS/kpt-fn-eval.args.txt"
check "kpt fn eval: '-- k=v' -> ConfigMap function-input" grep -q 'name: function-input' "$OBS/kpt-fn-eval.stdin.yaml"
check "kpt fn eval: Kptfile is an item" grep -q '^  kind: Kptfile$' "$OBS/kpt-fn-eval.stdin.yaml"
run kpt2 env OBS_NAME=kpt-fn-eval-fn-config kpt fn eval "$W/kpt-eval-inplace" --exec "$W/bin/tee-filter" \
  --fn-config "$KPT/pullthrough-fn-config.yaml"
check "kpt fn eval --fn-config in place ok" [ "$(rc kpt2)" = 0 ]
check "kpt fn eval in place: identity still re-spaces inline comments" \
  grep -q 'image: busybox # plain' "$W/kpt-eval-inplace/web.yaml"
run kpt3 env OBS_NAME=kpt-fn-eval-stdin kpt fn eval - --exec "$W/bin/tee-filter" -o unwrap \
  < "$HERE/kustomize-krm/resources.yaml"
check "kpt fn eval - (stdin) ok" [ "$(rc kpt3)" = 0 ]
sed -i "s#- exec: PULLTHROUGH_EXEC#- exec: $W/bin/tee-filter#" "$W/kpt-render/Kptfile"
run kpt4 env OBS_NAME=kpt-fn-render kpt fn render "$W/kpt-render" --allow-exec
check "kpt fn render --allow-exec ok" [ "$(rc kpt4)" = 0 ]
check "kpt fn render: package-path annotation" grep -q 'internal.config.kubernetes.io/package-path' "$OBS/kpt-fn-render.stdin.yaml"
run kpt5 kpt fn render "$W/kpt-render"
check "kpt fn render without --allow-exec refused" bash -c "[ $(rc kpt5) = 1 ] && grep -q 'allow-exec' '$W/kpt5.err'"
cp -r "$KPT" "$W/kpt-fail"
run kpt6 kpt fn eval "$W/kpt-fail" --exec "$W/bin/fail-filter"
check "kpt: failing filter -> rc 1, Stderr + Exit code shown, files untouched" \
  bash -c "[ $(rc kpt6) = 1 ] && grep -q 'simulated failure' '$W/kpt6.err' && grep -q 'Exit code: 3' '$W/kpt6.err' && diff -r -q '$KPT' '$W/kpt-fail'"
run kpt7 kpt fn eval "$W/kpt-fail" --exec "$W/bin/fail-noisy-filter"
check "kpt: stdout garbage + exit 3 -> parse error hides stderr and exit code" \
  bash -c "[ $(rc kpt7) = 1 ] && grep -q 'wrong node kind' '$W/kpt7.err' && ! grep -q 'simulated failure' '$W/kpt7.err'"
cp -r "$KPT" "$W/kpt-empty"
run kpt8 kpt fn eval "$W/kpt-empty" --exec "$W/bin/empty-filter"
check "kpt: empty output + exit 0 deletes every file of the package" \
  bash -c "[ $(rc kpt8) = 0 ] && [ -z \"\$(ls -A '$W/kpt-empty')\" ]"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
