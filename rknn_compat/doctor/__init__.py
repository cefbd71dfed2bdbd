"""`rknn-compat doctor`: the whole chain (host, toolkit environment, adb, USB, boards, models) in one command.

``doctor(...)`` returns a :class:`DoctorReport`; ``bundle.write_bundle`` packs it with what a
maintainer needs; ``bundle.read_bundle`` reads one back (``doctor --from``).
"""

from .report import DoctorReport
from .run import doctor

__all__ = ["DoctorReport", "doctor"]
