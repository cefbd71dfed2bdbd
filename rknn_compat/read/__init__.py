"""Reading a board: from what it printed to :class:`~rknn_compat.results.Fact` objects.

``script`` is the one read-only shell script a probe runs; ``text`` is the engine every reader
shares (clean the text, find keyword lines, rank candidates); ``drivers``, ``userspace`` and
``identity`` read versions and identity; ``facts`` turns the board's answer into facts;
``fallbacks`` and ``npu_firmware`` read files pulled to the host. Every reader is pure (text
in, facts out) and keeps the line it read. May import errors, versions, tables and results.
"""

from .drivers import galcore_node_version, galcore_version, rknpu_version
from .identity import (
                       compatible_list,
                       getprop_map,
                       kernel_release,
                       lsusb_rockchip,
                       os_release,
                       soc_from_compatible,
                       soc_from_props,
)
from .text import MAX_LINE, Parsed
from .userspace import rknn_server_version, runtime_version, sdk_version

__all__ = ["MAX_LINE", "Parsed", "compatible_list", "galcore_node_version", "galcore_version", "getprop_map",
           "kernel_release", "lsusb_rockchip", "os_release", "rknn_server_version", "rknpu_version", "runtime_version",
           "sdk_version", "soc_from_compatible", "soc_from_props"]
