"""Doctor area "model": each --model file, through ``rknn_compat.model.check_models`` when this build has it."""

from __future__ import annotations

from ..errors import ExitCode
from .context import Context
from .report import OK, PROBLEM, UNKNOWN, Check

NOT_AVAILABLE = "model checks not available in this build"
_EXIT = {ExitCode.OK: OK, ExitCode.PROBLEM: PROBLEM}


def model_area(ctx: Context) -> list[Check]:
    try:
        from ..model import check_models
    except ImportError:
        return [Check("models", UNKNOWN, "model files", found=NOT_AVAILABLE,
                      evidence=[f"not checked: {p}" for p in ctx.models])]
    target = ctx.target
    report = check_models(ctx.models, toolkit=target.version if target.generation == "rknpu1" else None,
                          toolkit2=target.version if target.generation == "rknpu2" else None,
                          device=ctx.devices[0] if len(ctx.devices) == 1 else None, matrices=ctx.matrices)
    data = report.to_dict(nested=True)
    return [Check("models", _EXIT.get(report.exit_code, UNKNOWN), "model files",
                  found=f"{len(ctx.models)} model file(s): exit {int(report.exit_code)}",
                  evidence=[f"model: {p}" for p in ctx.models], details=data)]
