"""Sending the probe script: the whole answer in one burst, streamed only when a board stalls.

adbd sends a command's output as WRTE packets and may have only one unacknowledged at a
time (AOSP adb protocol.txt, "READY/OKAY"), so each packet costs a round trip.  Streamed, the
script's output leaves the board in as many packets as it was printed in bursts; buffered on
the board (``| tail -c LIMIT``) it leaves in one: OPEN + one WRTE is the floor.  The price is
that a board that stalls mid-script (a hung ``dmesg``) sends nothing at all, so after half the
time allowed the script is asked again, streamed, and the facts printed before the stall
arrive.  A board that dropped the link is given the same second chance.
"""

from __future__ import annotations

import time

from .script import SCRIPT, split_answer

# a board that dropped the link is listed "offline" until the adb server reconnects
# (about 250 ms, AOSP adb transport.cpp ReconnectHandler)
RECONNECT_WAIT = 0.3


def burst(script: str, limit: int) -> str:
    """``script`` with its output held on the board until it ends (at most ``limit`` bytes)."""
    return "{\n" + script + "} 2>&1 | tail -c " + str(int(limit)) + "\n"


def ask(transport, timeout: float, limit: int):
    """Run the probe script; returns (result, round trips, note or None)."""
    started = time.monotonic()
    first = transport.run(burst(SCRIPT, limit), timeout / 2)
    if split_answer(first.stdout).sections:
        return first, 1, None
    waited = time.monotonic() - started
    note = (f"the board sent nothing in {waited:.1f} s ({first.error or 'no output'}); "
            "the probe was asked again with its output streamed, to keep the facts read before the stall")
    trips = 1
    while True:
        left = timeout - (time.monotonic() - started)
        if left <= 0:
            return _overall(first, timeout, transport), trips, note
        trips += 1
        second = transport.run(SCRIPT, left)
        if second.stdout or second.complete or "offline" not in (second.error or ""):
            return _overall(second, timeout, transport), trips, note
        time.sleep(min(RECONNECT_WAIT, max(0.0, left - 0.05)))


def _overall(result, timeout: float, transport):
    """A deadline missed by the second ask is the probe's own: say the time the user allowed
    (a recording already says what the board was allowed when it was made)."""
    missed = not result.complete and (result.error or "").startswith("no answer within")
    if missed and getattr(transport, "kind", None) != "fixture":
        result.error = f"no answer within {timeout:g} s"
    return result
