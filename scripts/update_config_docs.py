#!/usr/bin/env python3
"""Replaces the key table of docs/CONFIG.md with what `lemma info --config-keys` prints (the schema's own
table; RunConfigurationTests checks they agree).

    swift build -c release --product lemma && python3 scripts/update_config_docs.py
"""
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
table = subprocess.run([os.path.join(ROOT, ".build/release/lemma"), "info", "--config-keys"],
                       capture_output=True, text=True, check=True).stdout
path = os.path.join(ROOT, "docs", "CONFIG.md")
text = open(path, encoding="utf-8").read()
start = text.index("| key | type | default |")
end = text.index("\n\n", start) + 1
with open(path + ".tmp", "w", encoding="utf-8") as f:
    f.write(text[:start] + table + text[end:])
os.replace(path + ".tmp", path)
