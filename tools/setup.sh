#!/usr/bin/env bash
# Installs every Debian package siamese needs to build, test and run.
# Idempotent: packages already present are skipped; a failure names the package.
set -u
PACKAGES=(
  bazel-bootstrap        # Bazel 4.2.3 (WORKSPACE mode; offline stand-ins in third_party/)
  g++
  libdnnl-dev            # oneDNN 2.6 (v2 API)
  libabsl-dev            # Abseil 20220623
  libprotobuf-dev protobuf-compiler
  libgtest-dev libgmock-dev
  libbenchmark-dev
  zlib1g-dev             # .gz data files
  libpng-dev             # PNG inputs for //experiments:verify
  dataset-fashion-mnist  # /usr/share/datasets/fashion-mnist
  wordnet-base           # /usr/share/wordnet/data.* for the wordnet_glosses dataset
  chromium               # headless browser for //framework/report:report_browser_test
  python3                # strict JSON check of run files (//framework/train:strict_json_test)
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi
echo "setup: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
if ! $SUDO apt-get update -qq; then
  echo "setup: FAILED: 'apt-get update' (is Debian's archive reachable?)" >&2
  exit 1
fi
if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/siamese-setup.log 2>&1; then
  echo "setup: FAILED to install some of: ${missing[*]}" >&2
  tail -n 20 /tmp/siamese-setup.log >&2
  for p in "${missing[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "setup:   not installed: $p" >&2
  done
  exit 1
fi
echo "setup: done"
