"""The audit's size of fuzz run: tests/test_fuzz.py with 4 000 examples per target (the suite runs 40).

``.venv/bin/python bench/fuzz.py [EXAMPLES]`` (or ``make fuzz``); prints pytest's summary and the
slowest targets; exits with pytest's code, so a crash found here fails the target.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    examples = sys.argv[1] if len(sys.argv) > 1 else "4000"
    env = {**os.environ, "RKNN_FUZZ_EXAMPLES": examples}
    return subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--durations=10",
                            str(ROOT / "tests" / "test_fuzz.py")], cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main())
