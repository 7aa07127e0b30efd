#!/usr/bin/env bash
# Installs what Lemma needs on a fresh Debian machine: the libraries it links (oneDNN, OpenBLAS, libpng, and
# OpenMPI with mpirun for data-parallel training),
# TeX Live and dvipng (im2latex renders formulas with them), and
# Metamath's databases (set.mm, CC0), from which scripts/make_lm_dataset.py makes the GPT-2 corpus.
# Run as root it installs them with apt-get; otherwise it prints the exact command to run. Safe to re-run.
# Pass --bench to also install Debian's PyTorch, which bench/ and scripts/make_fixtures.py compare against.
set -euo pipefail

packages=(libdnnl-dev libopenblas-dev libpng-dev metamath-databases texlive-latex-base texlive-latex-recommended dvipng openmpi-bin libopenmpi-dev)
if [[ "${1:-}" == "--bench" ]]; then packages+=(python3-torch python3-numpy); fi

if ! command -v swift >/dev/null 2>&1; then
    echo "setup: Swift 6.0 or newer is required (https://www.swift.org/install/linux/); 'swift' is not on PATH" >&2
    exit 1
fi

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [[ ${#missing[@]} -eq 0 ]]; then exit 0; fi

command=(apt-get install -y --no-install-recommends "${missing[@]}")
if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: run:  sudo apt-get update && sudo ${command[*]}" >&2
    exit 1
fi
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
"${command[@]}" >/dev/null
