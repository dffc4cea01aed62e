#!/usr/bin/env bash
# The arm64 release binary on the golden files, under qemu user emulation:
# every testdata/rewrite/* file (with its `# pullthrough-args:` line) and
# every testdata/errors/* file goes through the aarch64 binary under
# qemu-aarch64-static and through the x86_64 binary natively; stdout, stderr
# and the exit code must be byte-identical. The x86_64 run is also held to
# the committed snapshot (tests/snapshots/): the exit code, the stderr and
# the diff from input to output, as tests/snapshots.rs prints them.
#
#   scripts/test-arm64.sh [X86_64_BINARY AARCH64_BINARY]
#       default: dist/pullthrough-{x86_64,aarch64}-unknown-linux-musl (scripts/release.sh)
#
# Needs qemu-aarch64-static (apt-get install qemu-user-static); no binfmt
# registration: the binary is run by qemu directly.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
X86="${1:-dist/pullthrough-x86_64-unknown-linux-musl}"
ARM="${2:-dist/pullthrough-aarch64-unknown-linux-musl}"
REGISTRY=123456789012.dkr.ecr.eu-west-1.amazonaws.com
QEMU="${QEMU:-qemu-aarch64-static}"

die() { echo "test-arm64: $*" >&2; exit 1; }
command -v "$QEMU" >/dev/null || die "$QEMU is not installed (apt-get install qemu-user-static)"
[ -x "$X86" ] || die "no x86_64 binary at $X86 (scripts/release.sh builds it)"
[ -x "$ARM" ] || die "no aarch64 binary at $ARM (scripts/release.sh builds it)"
case "$(file -b "$ARM")" in
  *"ARM aarch64"*) ;;
  *) die "$ARM is not an aarch64 executable: $(file -b "$ARM")" ;;
esac

# As the test kit runs the binary: no PULLTHROUGH_* or AWS_* settings inherited.
for var in $(compgen -e); do
  case "$var" in PULLTHROUGH_* | AWS_*) unset "$var" ;; esac
done

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
PASS=0
FAIL=0
fail() { echo "FAILED: $*"; ok=0; }

# run NAME BINARY-COMMAND... < input: stdout, stderr and exit code in $TMP/NAME.*
run() {
  local name="$1"; shift
  set +e
  "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
  echo $? >"$TMP/$name.code"
  set -e
}

# The snapshot tests/snapshots.rs would write for this run, minus the header.
snapshot_of() { # kind (rewrite|errors), input, args shown
  python3 - "$@" "$TMP/x86.out" "$TMP/x86.err" "$TMP/x86.code" <<'PY'
import sys
kind, path, shown, out, err, code = sys.argv[1:]
stderr = open(err, encoding="utf-8", errors="replace").read()
code = open(code).read().strip()
if kind == "errors":
    sys.stdout.write(f"exit: {code}\n--- stderr\n{stderr}")
    sys.exit()
def visible(s):
    return s.replace("\r", "\u240d").replace("\ufeff", "<BOM>")
old = visible(open(path, encoding="utf-8", newline="").read()).splitlines(keepends=True)
new = visible(open(out, encoding="utf-8", newline="").read()).splitlines(keepends=True)
# similar's unified diff, context radius 1: hunks of the line-level opcodes.
import difflib
hunks = []
for group in difflib.SequenceMatcher(None, old, new, autojunk=False).get_grouped_opcodes(1):
    a0, a1 = group[0][1], group[-1][2]
    b0, b1 = group[0][3], group[-1][4]
    lines = [f"@@ -{a0 + 1},{a1 - a0} +{b0 + 1},{b1 - b0} @@\n"]
    for tag, i1, i2, j1, j2 in group:
        if tag == "equal":
            lines += [" " + l for l in old[i1:i2]]
            continue
        lines += ["-" + l for l in old[i1:i2]]
        lines += ["+" + l for l in new[j1:j2]]
    body = "".join(l if l.endswith("\n") else l + "\n\\ No newline at end of file\n" for l in lines)
    hunks.append(body)
sys.stdout.write(f"args: {shown}\nexit: {code}\n--- stderr\n{stderr}--- diff\n{''.join(hunks)}")
PY
}

check_case() { # kind, input file, then the arguments
  local kind="$1" input="$2"; shift 2
  local name="${input#testdata/}"
  run x86 "$X86" "$@" <"$input"
  run arm "$QEMU" "$ARM" "$@" <"$input"
  local ok=1
  cmp -s "$TMP/x86.out" "$TMP/arm.out" || fail "$name: stdout differs between x86_64 and aarch64"
  cmp -s "$TMP/x86.err" "$TMP/arm.err" || fail "$name: stderr differs between x86_64 and aarch64"
  cmp -s "$TMP/x86.code" "$TMP/arm.code" ||
    fail "$name: exit $(cat "$TMP/x86.code") on x86_64, $(cat "$TMP/arm.code") on aarch64"
  if [ "$kind" = errors ] && [ -s "$TMP/arm.out" ]; then
    fail "$name: a refused input printed something on stdout"
  fi
  local snap
  snap="tests/snapshots/integration__snapshots__${kind}@${input##*/}.snap"
  if [ ! -f "$snap" ]; then
    fail "$name: no snapshot $snap"
  else
    local shown="${*:3}"
    # The snapshot's body: everything after the second `---` line of the header.
    awk 'n >= 2 { print; next } /^---$/ { n++ }' "$snap" >"$TMP/want"
    snapshot_of "$kind" "$input" "$shown" >"$TMP/got"
    # insta trims the trailing newline of the body.
    if [ "$(cat "$TMP/want")" != "$(cat "$TMP/got")" ]; then
      fail "$name: the run does not match $snap"
      { diff "$TMP/want" "$TMP/got" || true; } | head -n 20 | sed 's/^/  /'
    fi
  fi
  if [ "$ok" = 1 ]; then
    PASS=$((PASS + 1)); echo "ok: $name (exit $(cat "$TMP/arm.code"))"
  else
    FAIL=$((FAIL + 1))
  fi
}

echo "test-arm64: $("$QEMU" "$ARM" --version) under $("$QEMU" --version | head -n 1)"
for input in testdata/rewrite/*; do
  args=(--registry "$REGISTRY")
  extra="$(head -n 1 "$input" | sed -n 's/^# pullthrough-args://p')"
  # shellcheck disable=SC2206 # word splitting as tests/snapshots.rs does
  [ -n "$extra" ] && args+=($extra)
  check_case rewrite "$input" "${args[@]}"
done
for input in testdata/errors/*; do
  check_case errors "$input" --registry "$REGISTRY"
done

echo "arm64 golden files: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ] || die "the aarch64 binary does not match the x86_64 binary and the snapshots (above)"
