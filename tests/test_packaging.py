"""The wheel carries the matrices, profiles and JSON Schemas, so an installed rknn-compat needs no source tree."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_ships_matrices_and_profiles(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    (wheel,) = tmp_path.glob("rknn_compat-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for data in sorted(p.name for p in (ROOT / "matrices").glob("*.toml")):
        assert f"rknn_compat/matrices/{data}" in names
    assert "rknn_compat/sim/profiles/rk1808-linux-1.3.2.toml" in names
    for schema in sorted(p.name for p in (ROOT / "rknn_compat" / "schemas").glob("*.schema.json")):
        assert f"rknn_compat/schemas/{schema}" in names  # `rknn-compat schema` reads them
    assert any(n.endswith("entry_points.txt") for n in names)
