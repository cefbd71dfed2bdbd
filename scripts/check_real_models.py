#!/usr/bin/env python3
"""Read every model file of a directory with rknn-compat's readers; one line per file.

With an ``index.json`` beside the files (the reference set of real Rockchip .rknn models), every
fact the index records is compared with what the reader found; any difference fails (exit 1).
Usage: scripts/check_real_models.py DIR   (CI: ../shared/reference/models)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rknn_compat.model import read_model  # noqa: E402

# index key -> (reader fact, how the index spells the value)
PAYLOAD = {"OpenVX NBG (pre-compiled, RKNPU1)": "OpenVX NBG", "FlatBuffer (RKNPU2 / toolkit2)": "FlatBuffer",
           "none": "none"}
KEYS = {"size": "size", "container_version": "container_version", "family": "family", "data_size": "payload_size",
        "data_kind": "payload", "nbg_version": "nbg_version", "fb_model_version": "model_version",
        "fb_target": "npu_generation", "fb_compiler": "compiler", "fb_platform": "fb_platform",
        "fb_source": "source_framework", "fb_compiler_int": "compiler_int", "trailing_bytes": "trailing_bytes",
        "json.version": "toolkit_version", "json.target_platform": "target_platform", "nbg_node": "nbg_node"}


def expected(key: str, value):
    return PAYLOAD.get(value, value) if key == "data_kind" else value


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    folder = Path(argv[1])
    index_path = folder / "index.json"
    index = {e["file"]: e["facts"] for e in json.loads(index_path.read_text())} if index_path.is_file() else {}
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.name not in ("index.json", "README.md"))
    failures = 0
    for path in files:
        report = read_model(str(path))
        facts = dict(report.facts, size=report.size)
        wrong = []
        for key, want in index.get(path.name, {}).items():
            fact = KEYS.get(key, key)  # json.* keys are stored under the same name
            got = facts.get(fact)
            if got != expected(key, want):
                wrong.append(f"{key}: index {want!r}, read {got!r}")
        status = "ERROR" if report.error else ("MISMATCH" if wrong else ("ok" if path.name in index else "read"))
        failures += bool(wrong or report.error)
        summary = report.error or (
            f"{facts.get('product')} {facts.get('toolkit_version')}"
            f" target={','.join(facts.get('target_platform') or [])}"
            f" container={facts.get('container_version')} payload={facts.get('payload')}"
            f" model_version={facts.get('model_version')} compiler={facts.get('compiler_version')}"
            f" npu={facts.get('npu_generation')} precompiled={facts.get('precompiled')}"
            f" nbg={facts.get('nbg_version')}")
        print(f"{status:8} {path.name}: {summary}")
        for line in wrong:
            print(f"         {line}")
    missing = sorted(set(index) - {p.name for p in files})
    for name in missing:
        print(f"MISSING  {name}: listed in index.json, not in {folder}")
    print(f"{len(files)} files, {len(index)} in the index, {failures + len(missing)} failing")
    return 1 if failures or missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
