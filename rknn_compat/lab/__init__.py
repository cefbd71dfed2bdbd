"""A lab of many hosts: several adb servers, a lab file naming them, and a Prometheus exporter.

- :mod:`.labfile` — the lab file (TOML): servers, optional board lists, labels;
- :mod:`.servers` — boards listed by several adb servers, and one board seen twice reported once;
- :mod:`.exporter` — ``rknn-compat exporter``: probes in the background, serves ``/metrics``.
"""
