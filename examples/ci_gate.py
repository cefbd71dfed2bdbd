"""Gate a CI job on "every board in the lab fits RKNN Toolkit 1.3.2".

    python examples/ci_gate.py                  # every board the adb server lists
    python examples/ci_gate.py --devices lab.txt --toolkit 1.3.2

Exit 0 when all boards are compatible, 1 otherwise (and a line per failing board).
"""

from __future__ import annotations

import argparse
import sys

import rknn_compat


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--toolkit", default="1.3.2")
    parser.add_argument("--devices", help="file with one serial or HOST:PORT a line")
    parser.add_argument("--timeout", type=float, default=15.0)
    args = parser.parse_args()
    try:
        inv = rknn_compat.inventory(toolkit=args.toolkit, devices_file=args.devices, timeout=args.timeout)
    except rknn_compat.errors.RknnCompatError as exc:
        print(f"ci_gate: {exc}", file=sys.stderr)
        return 2
    if not inv.boards:
        print("ci_gate: no boards found", file=sys.stderr)
        return 1
    bad = [b for b in inv.boards if b.verdict != "compatible"]
    for b in bad:
        why = b.error or "; ".join(f"{f.component} {f.found} (needs {f.expected})"
                                   for f in b.findings if f.status != "ok")
        print(f"{b.device.serial}: {b.verdict}: {why}")
    print(f"{len(inv.boards) - len(bad)}/{len(inv.boards)} boards fit RKNN Toolkit {args.toolkit}")
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
