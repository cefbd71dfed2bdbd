"""Host checks: the RKNN Toolkit installed on this machine (or in ``--python``), and USB access.

May import errors, versions and tables; never a transport or the simulator.
"""
