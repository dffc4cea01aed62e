#!/usr/bin/env bash
# Compares this checkout's binary with a base commit's on every YAML and
# JSON file under testdata/ (the corpus, the golden files, the errors, the
# hosts' and generate's fixtures): stdout, stderr, the --report JSON and the
# exit code, each file on stdin and as an argument, with and without
# --no-operator-images, with --threads 1 and the default; and the corpus as
# one stream (long enough to be cut for threads), through the pipe,
# --check and `images`. A restructuring must change none of them.
#
# Usage: scripts/compare-outputs.sh [BASE]   (default: the merge base with main)
# Environment: BASE_BIN=path skips building the base; KEEP=1 keeps the
# scratch directory (its path is printed) with every output.
# Exit 0 when every output is the same, 1 when any differs (listed).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
base=${1:-$(git merge-base HEAD main)}
target=${CARGO_TARGET_DIR:-$root/target}
scratch=$(mktemp -d)
cleanup() {
    if [ -n "${worktree:-}" ]; then git worktree remove --force "$worktree"; fi
    if [ "${KEEP:-}" = 1 ]; then echo "outputs kept in $scratch"; else rm -rf "$scratch"; fi
}
trap cleanup EXIT

# The base's binary, built in a worktree of its own (its build directory is
# kept, so a second run builds only what changed).
if [ -z "${BASE_BIN:-}" ]; then
    worktree=$scratch/base
    git worktree add --quiet --detach "$worktree" "$base"
    CARGO_TARGET_DIR=$target/compare-base cargo build --quiet --release --locked \
        --manifest-path "$worktree/Cargo.toml"
    BASE_BIN=$target/compare-base/release/pullthrough
fi
cargo build --quiet --release --locked
# Both under one name: clap's usage messages name the binary.
mkdir -p "$scratch/bin/base" "$scratch/bin/new"
cp "$BASE_BIN" "$scratch/bin/base/pullthrough"
cp "$target/release/pullthrough" "$scratch/bin/new/pullthrough"

registry=123456789012.dkr.ecr.eu-west-1.amazonaws.com
mapfile -t files < <(find testdata -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) | sort)
stream=$scratch/corpus-stream.yaml
for f in testdata/corpus/*; do printf -- '---\n'; cat "$f"; done >"$stream"

# One run of both binaries: NAME, the file for stdin, then the arguments.
# Each binary's stdout, stderr, report and exit code go to its directory.
cases=0
differ=()
run() {
    local name=$1 stdin=$2
    shift 2
    cases=$((cases + 1))
    for side in base new; do
        local bin=$scratch/bin/$side/pullthrough out=$scratch/$side/$cases
        mkdir -p "$out"
        # The report's path is the same for both, as it is printed nowhere.
        local report=$scratch/report.json
        rm -f "$report"
        set +e
        (cd "$root" && env -u PULLTHROUGH_THREADS "$bin" "$@" --report "$report" \
            <"$stdin" >"$out/stdout" 2>"$out/stderr")
        echo $? >"$out/code"
        set -e
        if [ -f "$report" ]; then mv "$report" "$out/report"; fi
    done
    if ! diff -r "$scratch/base/$cases" "$scratch/new/$cases" >/dev/null; then
        differ+=("$cases: $name")
    fi
}

for operator in "" --no-operator-images; do
    for threads in "--threads 1" ""; do
        mode="$operator $threads"
        for f in "${files[@]}"; do
            # A golden file's first line may add flags.
            extra=$(sed -n '1s/^# pullthrough-args: //p' "$f")
            flag=$operator
            case " $extra " in *" $operator "*) flag= ;; esac
            # shellcheck disable=SC2086
            run "$f (stdin) $mode $extra" "$f" --registry "$registry" $flag $threads $extra
            # shellcheck disable=SC2086
            run "$f (argument) $mode" /dev/null --registry "$registry" $operator $threads "$f"
        done
        # shellcheck disable=SC2086
        run "corpus stream $mode" "$stream" --registry "$registry" $operator $threads
        # shellcheck disable=SC2086
        run "corpus stream --check $mode" "$stream" --registry "$registry" $operator $threads --check
        # shellcheck disable=SC2086
        run "corpus stream images $mode" "$stream" images --registry "$registry" $operator $threads
    done
done

echo "compared $cases runs of $base's binary and this checkout's on ${#files[@]} files"
if [ ${#differ[@]} -eq 0 ]; then
    echo "every stdout, stderr, report and exit code is the same"
    exit 0
fi
echo "${#differ[@]} runs differ (KEEP=1 keeps their outputs under base/N and new/N):"
printf '  %s\n' "${differ[@]}"
exit 1
