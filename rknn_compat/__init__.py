"""rknn-compat: does this RKNN Toolkit fit this Rockchip NPU board?"""

__version__ = "0.1.0"
