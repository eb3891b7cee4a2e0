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
  libopenmpi-dev openmpi-bin  # OpenMPI 4.1: data-parallel training's MPI backend (framework/distributed)
  libpng-dev             # PNG inputs for //experiments:verify
  dataset-fashion-mnist  # /usr/share/datasets/fashion-mnist
  wordnet-base           # /usr/share/wordnet/data.* for the wordnet_glosses dataset
  chromium               # headless browser for //framework/report:report_browser_test
  python3                # strict JSON check of run files (//framework/train:strict_json_test)
  clang-14 libclang-rt-14-dev  # libFuzzer and clang's sanitizers for tools/fuzz.sh
  libfreetype-dev        # FreeType 2: glyph outlines and rasterization for the glyphs dataset
  # Fonts of the glyphs dataset (its default font_paths; 53 MB download, 160 MB installed).
  # Scripts of the character labeling:
  fonts-noto-core        # Noto Sans/Serif of most scripts (Armenian, Ethiopic, Cherokee, Indic, ...)
  fonts-dejavu-core fonts-dejavu-extra  # DejaVu Sans/Serif/Mono: Latin, Greek, Cyrillic, Armenian, Georgian, ...
  # Latin faces of the font labeling (distinct designs; known clones such as
  # fonts-freefont-ttf, fonts-texgyre and fonts-croscore are left out):
  fonts-liberation2      # Liberation Sans/Serif/Mono
  fonts-urw-base35       # URW's PostScript 35 (Nimbus, C059, P052, URW Bookman/Gothic, Z003)
  fonts-lmodern          # Latin Modern Roman/Sans/Mono
  fonts-lato             # Lato, 18 weights and italics
  fonts-linuxlibertine   # Linux Libertine and Biolinum
  fonts-cantarell        # Cantarell
  fonts-ebgaramond       # EB Garamond
  fonts-crosextra-carlito fonts-crosextra-caladea  # Carlito, Caladea
  fonts-stix             # STIX
  fonts-firacode         # Fira Code
  fonts-roboto-unhinted fonts-roboto-slab  # Roboto, Roboto Condensed, Roboto Slab
  fonts-paratype         # PT Sans, PT Serif, PT Mono
  fonts-go               # Go, Go Mono
  fonts-inter            # Inter, 36 weights and italics
  fonts-adf-accanthis fonts-adf-baskervald fonts-adf-berenis fonts-adf-gillius  # Arkandis Digital Foundry
  fonts-adf-ikarius fonts-adf-irianis fonts-adf-libris fonts-adf-mekanus        # faces (ADF), continued
  fonts-adf-oldania fonts-adf-romande fonts-adf-solothurn fonts-adf-switzera    # ...
  fonts-adf-tribun fonts-adf-universalis fonts-adf-verana                       # ...
  fonts-cabin            # Cabin
  fonts-dosis            # Dosis
  fonts-comic-neue       # Comic Neue
  fonts-quicksand        # Quicksand
  fonts-karla            # Karla
  fonts-jetbrains-mono   # JetBrains Mono
  fonts-manrope          # Manrope
  fonts-oldstandard      # Old Standard
  fonts-vollkorn         # Vollkorn
  fonts-cardo            # Cardo
  fonts-averia-gwf fonts-averia-sans-gwf fonts-averia-serif-gwf  # Averia, Averia Sans, Averia Serif
  fonts-sora             # Sora
  fonts-mononoki         # mononoki
  fonts-play             # Play
  libjpeg62-turbo-dev    # libjpeg-turbo: JPEG photos of the image_folder dataset (framework/io:image)
  nlohmann-json3-dev     # nlohmann/json (header-only): safetensors headers (framework/io/safetensors)
  libfaiss-dev           # FAISS 1.7.3 (static; pulls BLAS/LAPACK): nearest-neighbour indexes (framework/search)
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
