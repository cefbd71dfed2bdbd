"""Time and peak memory of `rknn-compat model` reading a 1 GiB ONNX file and a 100 MiB .rknn.

Each file is read in a fresh interpreter, which prints its wall time, the bytes the reader asked
for, and its peak RSS against the same interpreter's RSS after the imports.  The ONNX file is a
real ModelProto header and opset import around a 1 GiB graph field (a sparse file: the reader
seeks past it); the .rknn is a toolkit2 container with a 100 MiB payload written to disk in full.
Run: make bench  (or .venv/bin/python bench/bench_model.py)
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from model_files import pb_field, rknn_flatbuffer, varint  # noqa: E402

CHILD = r"""
import json, resource, sys, time
from rknn_compat.model import read_model
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
report = read_model(sys.argv[1])
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "bytes_read": report.bytes_read, "error": report.error,
                  "rss_before_kib": base, "rss_peak_kib": peak}))
"""


def onnx_file(path: Path, graph_bytes: int) -> None:
    with open(path, "wb") as fh:
        fh.write(pb_field(1, 8) + pb_field(2, "pytorch") + pb_field(3, "2.1.0"))
        fh.write(varint(7 << 3 | 2) + varint(graph_bytes))
        fh.truncate(fh.tell() + graph_bytes)
        fh.seek(0, 2)
        fh.write(pb_field(8, pb_field(1, "") + pb_field(2, 17)))


def rknn_file(path: Path, payload_bytes: int) -> None:
    fb = rknn_flatbuffer()
    desc = json.dumps({"version": "2.3.2", "target_platform": ["rk3588"]}).encode()
    with open(path, "wb") as fh:
        fh.write(b"RKNN\0\0\0\0" + struct.pack("<QQ", 6, payload_bytes) + bytes(40) + fb)
        chunk = bytes(1 << 20)
        left = payload_bytes - len(fb)
        while left > 0:
            fh.write(chunk[:min(left, len(chunk))])
            left -= len(chunk)
        fh.write(struct.pack("<Q", len(desc)) + desc)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        onnx, rknn = Path(tmp) / "big.onnx", Path(tmp) / "big.rknn"
        onnx_file(onnx, 1 << 30)
        rknn_file(rknn, 100 << 20)
        for path in (onnx, rknn):
            out = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=True)
            r = json.loads(out.stdout)
            print(f"{path.name:9} {path.stat().st_size / (1 << 20):7.0f} MiB: {r['seconds'] * 1000:6.1f} ms, "
                  f"{r['bytes_read']} bytes read, peak RSS {r['rss_peak_kib'] / 1024:.1f} MiB "
                  f"(+{(r['rss_peak_kib'] - r['rss_before_kib']) / 1024:.1f} MiB over the imports)"
                  + (f", error: {r['error']}" if r["error"] else ""))


if __name__ == "__main__":
    main()
