"""How commands reach a board.  Nothing above this seam knows which one it talks to.

- :mod:`.adb` — adbutils against the real adb server (honours ANDROID_ADB_SERVER_PORT);
- :mod:`.adb_client` — which adb server (``HOST:PORT``), and adbutils' client module without its heavy top level;
- :mod:`.fixture` — a recorded board (unit tests, bug reports: ``probe --record FILE``);
- :mod:`.local` — this host is the board (``--device local``).
"""

from .base import CommandResult, Transport

__all__ = ["CommandResult", "Transport"]
