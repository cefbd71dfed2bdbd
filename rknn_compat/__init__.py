"""rknn-compat: does this RKNN Toolkit fit this Rockchip NPU board?

Python API (typed results; ``to_dict()`` equals the CLI's JSON)::

    import rknn_compat
    report = rknn_compat.probe(device="192.168.1.20:5555", toolkit="1.3.2")   # BoardReport
    inv = rknn_compat.inventory(toolkit="1.3.2")                              # InventoryReport
    release = rknn_compat.load_matrix().release("1.3.2")

Imports are lazy so that ``rknn-compat matrix`` never loads adbutils.
"""

__version__ = "0.1.0"
__all__ = ["probe", "inventory", "load_matrix", "BoardReport", "InventoryReport", "Finding", "Fact"]


def __getattr__(name):
    if name == "probe":
        from .board_probe import probe

        return probe
    if name == "inventory":
        from .lab_inventory import inventory

        return inventory
    if name == "load_matrix":
        from .tables import load

        return load
    if name in ("BoardReport", "InventoryReport", "Finding", "Fact"):
        from . import results

        return getattr(results, name)
    raise AttributeError(f"module 'rknn_compat' has no attribute {name!r}")
