"""Last-resort fallbacks that pull a whole file from the board and search it on the host.

Only two cases need it: a board without ``strings`` where ``grep -a`` found nothing
in a library it does have, and RK3399Pro, whose rknn_server, runtime and galcore.ko
live in the compressed NPU firmware image.  Everything else is read on the board.
"""

from __future__ import annotations

from ..results import Fact
from .drivers import galcore_version
from .npu_firmware import npu_files, printable_strings
from .userspace import rknn_server_version, runtime_version

FIRMWARE_LIMIT = 64 * 1024 * 1024

PARSERS = {"rknn_server": rknn_server_version, "librknn_runtime": runtime_version,
           "npu_driver": galcore_version}
FIRMWARE_FILES = {"rknn_server": "rknn_server", "librknn_runtime": "librknn_runtime.so",
                  "npu_driver": "galcore.ko"}


def pull(transport, path: str, timeout: float, limit: int | None = None) -> tuple[bytes | None, str | None]:
    """(bytes, None), or (None, why): the pull gets ``timeout`` seconds and ``limit`` bytes at most."""
    if timeout <= 0:
        return None, "no time was left of --timeout for it"
    data = transport.read_file(path, timeout) if limit is None else transport.read_file(path, timeout, limit)
    if data is None:
        return None, getattr(transport, "read_error", None)
    return data, None


def component_file(fact: Fact, component: str, transport, timeout: float) -> Fact:
    """A present file whose version the board could not print: pull it, search it here."""
    path = fact.path
    if fact.value or not path or fact.tool != "grep":
        return fact
    data, _ = pull(transport, path, timeout)
    parsed = PARSERS[component](printable_strings(data)) if data else None
    if not parsed or not parsed.version:
        return fact
    return Fact.read(parsed, f"adb pull {path} (searched on the host)", {"pulled_bytes": len(data)}, path=path)


def npu_firmware(components: dict[str, Fact], image_path: str, transport, timeout: float) -> dict[str, Fact]:
    """RK3399Pro: pull the NPU firmware image and read the components out of its ramdisk."""
    data, pull_error = pull(transport, image_path, timeout, FIRMWARE_LIMIT)
    files = npu_files(data) if data else {}
    out = dict(components)
    for comp, name in FIRMWARE_FILES.items():
        if components[comp].value:
            continue
        parsed = PARSERS[comp](files[name]) if name in files else None
        if parsed and parsed.version:
            out[comp] = Fact.read(parsed, f"adb pull {image_path}; unpack the ramdisk; strings {name}",
                                  {"note": "read from the NPU firmware image (the NPU side of an RK3399Pro)",
                                   "pulled_bytes": len(data)}, location="npu_firmware")
            continue
        why = ((f"could not pull it ({pull_error})" if pull_error else "could not pull it") if data is None else
               f"{name} not found in it" if name not in files else f"{name} has no version string")
        out[comp] = Fact.unknown(f"on this board {name} runs on the NPU side, inside the NPU firmware "
                                 f"{image_path}; {why}. rknn.get_sdk_version() on the host reports it "
                                 "(DRV = rknn_server)", f"adb pull {image_path}")
    return out
