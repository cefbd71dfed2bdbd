"""From the probe script's sections to facts: platform, OS, the three components.

Each fact keeps the command it came from and the line that proves it; a fact the
board did not give away is unknown with the reason, never guessed.  Fallbacks
follow the manual's commands where they fail on real boards: the galcore.ko file
when the kernel log has rotated, the NPU firmware image on RK3399Pro.
"""

from __future__ import annotations

from ..results import Fact
from . import board_id, drivers, identity, userspace
from .script import (
    BOOT_ID_FILE,
    DT_SERIAL_FILE,
    GALCORE_KO_PATHS,
    RKNN_SERVER_PATHS,
    RUNTIME_PATHS,
    Answer,
    Section,
)

CMD_DMESG = "dmesg | grep -i galcore"
CUT_OFF = "the board's answer"  # how a reason starts when the fact was lost to a cut-off answer
CMD_STRINGS_SERVER = "strings {path} | grep build"
CMD_STRINGS_RUNTIME = "strings {path} | grep version"
CMD_KO = "strings {path} | grep VERSION"


def _text(section: Section | None, part: str | None = None) -> str:
    if section is None:
        return ""
    data = section.text if part is None else section.parts.get(part, b"")
    return data.decode("utf-8", "replace")


def _cmd(template: str, path: str, section: Section) -> str:
    """The command as the board ran it (grep -a where strings was missing)."""
    tool = section.meta.get(f"tool:{path}", "strings")
    cmd = template.format(path=path)
    return cmd if tool == "strings" else cmd.replace("strings ", "grep -a -o (no strings) ", 1)


def _missing_section(answer: Answer, name: str) -> str | None:
    sec = answer.sections.get(name)
    if sec is None:
        return f"{CUT_OFF} stopped before this check ran"
    if not sec.finished:
        return f"{CUT_OFF} was cut off during this check"
    return None


def platform_facts(answer: Answer, adb_model: str | None = None) -> dict[str, Fact]:
    soc = _soc(answer)
    os_fact = _os(answer)
    out = {"soc": soc, "os": os_fact}
    if adb_model:
        out["model"] = Fact(adb_model, f"model:{adb_model}", "adb devices -l")
    return out


def _soc(answer: Answer) -> Fact:
    sec = answer.sections.get("compatible")
    reasons = []
    if sec is not None and sec.exit_status == 0:
        entries = identity.compatible_list(sec.text)
        soc, evidence = identity.soc_from_compatible(entries)
        if soc:
            return Fact(soc, evidence, "cat /proc/device-tree/compatible")
        reasons.append(f"device tree: {evidence}")
    else:
        reasons.append(_missing_section(answer, "compatible") or "no /proc/device-tree/compatible")
    props = _props(answer)
    if props:
        soc, evidence = identity.soc_from_props(props)
        if soc:
            return Fact(soc, evidence, "getprop")
        reasons.append(f"getprop: {evidence}")
    return Fact.unknown("; ".join(reasons), "cat /proc/device-tree/compatible; getprop")


def board_identity(answer: Answer) -> tuple[str | None, str | None]:
    """(boot id, serial number) of the board that answered, None where it did not say."""
    sec = answer.sections.get("board_id")
    boot = board_id.boot_id(_text(sec, BOOT_ID_FILE)) if sec else None
    serial, _evidence = board_id.serial_from_props(_props(answer))
    if not serial and sec:
        serial, _evidence = board_id.serial_from_device_tree(_text(sec, DT_SERIAL_FILE))
    if not serial and sec:
        serial, _evidence = board_id.serial_from_cmdline(_text(sec, "/proc/cmdline"))
    return boot, serial


def _props(answer: Answer) -> dict[str, str]:
    text = _text(answer.sections.get("getprop"))
    if "getprop: not found" in text:
        return {}
    return identity.getprop_map(text)


def _os(answer: Answer) -> Fact:
    props = _props(answer)
    if props:
        release = props.get("ro.build.version.release")
        evidence = f"[ro.build.version.release]: [{release}]" if release else "getprop answers"
        return Fact("android", evidence, "getprop", extra={"release": release})
    osr = identity.os_release(_text(answer.sections.get("os_release")))
    if osr.get("PRETTY_NAME") or osr.get("ID"):
        name = osr.get("PRETTY_NAME") or osr.get("ID")
        return Fact("linux", f"PRETTY_NAME={name}", "cat /etc/os-release", extra={"release": name})
    kernel = _text(answer.sections.get("kernel")).strip()
    if kernel.startswith("Linux"):
        return Fact("linux", kernel.splitlines()[0][:200], "cat /proc/version",
                    extra={"kernel": identity.kernel_release(kernel)})
    return Fact.unknown(_missing_section(answer, "kernel") or "neither getprop, /etc/os-release nor /proc/version "
                        "answered", "getprop; cat /etc/os-release; cat /proc/version")


def _files_found(section: Section | None) -> list[str]:
    return [p for p in (section.parts if section else {}) if p]


def npu_driver(answer: Answer) -> Fact:
    """galcore (RKNPU1) from dmesg, else the .ko file, else NPU firmware; rknpu (RKNPU2)."""
    dmesg = answer.sections.get("dmesg")
    dmesg_text = _text(dmesg)
    rknpu_text = "\n".join([dmesg_text, _text(answer.sections.get("rknpu_debug"))])
    modules = _text(answer.sections.get("modules"))
    if "rknpu" in modules or "rknpu" in rknpu_text.lower():
        parsed = drivers.rknpu_version(rknpu_text)
        if parsed.version:
            return Fact.read(parsed, "dmesg | grep -i rknpu; /sys/kernel/debug/rknpu", driver="rknpu")
    reasons = []
    parsed = drivers.galcore_version(dmesg_text)
    if parsed.version:
        return Fact.read(parsed, CMD_DMESG, driver="galcore")
    if dmesg is None or not dmesg.finished:
        reasons.append(_missing_section(answer, "dmesg"))
    elif any(w in dmesg_text for w in ("not permitted", "denied", "klogctl")):
        reasons.append("dmesg is not readable by this user (run adb as root)")
    else:
        reasons.append("no galcore version line in dmesg (rotated out of the ring buffer, or not loaded)")
    ko = answer.sections.get("galcore_ko")
    for path in _files_found(ko):
        parsed = drivers.galcore_version(_text(ko, path))
        if parsed.version:
            return Fact.read(parsed, _cmd(CMD_KO, path, ko), driver="galcore",
                             extra={"note": "read from the module file on disk; the loaded module may differ"})
        reasons.append(f"{path} has no $VERSION$ tag")
    if ko is not None and ko.finished and not _files_found(ko):
        reasons.append(f"no galcore.ko at {GALCORE_KO_PATHS[0]} nor {len(GALCORE_KO_PATHS) - 1} other known paths")
    fw = _firmware(answer, drivers.galcore_version)
    if fw:
        return fw
    if "galcore" not in modules and "galcore" not in dmesg_text.lower() and modules:
        reasons.append("galcore is not in /proc/modules")
    return Fact.unknown("; ".join(r for r in reasons if r), f"{CMD_DMESG}; strings galcore.ko",
                        lost_to_cut=dmesg is None or not dmesg.finished)


def _firmware(answer: Answer, parse) -> Fact | None:
    """RK3399Pro keeps rknn_server and galcore inside the NPU firmware image."""
    fw = answer.sections.get("npu_fw")
    for path in _files_found(fw):
        parsed = parse(_text(fw, path))
        if parsed.version:
            return Fact.read(parsed, f"strings {path}", location="npu_firmware",
                             extra={"note": "read from the NPU firmware image (RK3399Pro NPU side)"})
    return None


def _component(answer: Answer, name: str, parse, template: str, paths: tuple[str, ...]) -> Fact:
    section = answer.sections.get(name)
    reasons = []
    present = _files_found(section)
    for path in present:
        parsed = parse(_text(section, path))
        if parsed.version:
            extra = {"commit": parsed.commit} if parsed.commit else {}
            extra.update({k: v for k, v in parsed.extra.items()
                          if isinstance(v, (str, int)) and k != "source"})
            return Fact.read(parsed, _cmd(template, path, section), extra, path=path)
        reasons.append(f"{path}: {parsed.reason or 'no version string'}")
    fw = _firmware(answer, parse)
    if fw:
        return fw
    if section is None or not section.finished:
        reasons.append(_missing_section(answer, name))
    elif not _files_found(section):
        reasons.append(f"not installed (not at {paths[0]} nor {len(paths) - 1} other known paths)")
        return Fact.unknown("; ".join(reasons), template.format(path=paths[0]), installed=False)
    fact = Fact.unknown("; ".join(r for r in reasons if r), template.format(path=paths[0]),
                        lost_to_cut=section is None or not section.finished)
    if present:  # the file is there but printed no version: what the last-resort pull needs
        fact.path, fact.tool = present[0], section.meta.get(f"tool:{present[0]}", "strings")
    return fact


def rknn_server(answer: Answer) -> Fact:
    return _component(answer, "rknn_server", userspace.rknn_server_version, CMD_STRINGS_SERVER,
                      RKNN_SERVER_PATHS)


def runtime(answer: Answer) -> Fact:
    return _component(answer, "runtime", userspace.runtime_version, CMD_STRINGS_RUNTIME, RUNTIME_PATHS)


def firmware_images(answer: Answer) -> list[str]:
    """NPU firmware boot images the board has (RK3399Pro keeps its NPU software in one)."""
    return [p for p in _files_found(answer.sections.get("npu_fw")) if p.endswith("boot.img")]


def server_running(answer: Answer) -> Fact:
    sec = answer.sections.get("process")
    why = _missing_section(answer, "process")
    if why:
        return Fact.unknown(why, "grep -x rknn_server /proc/*/comm")
    lines = [ln for ln in _text(sec).splitlines() if ln.strip()]
    servers = [ln for ln in lines if ln.rstrip().endswith("rknn_server")]
    proxies = [ln for ln in lines if ln.rstrip().endswith(("npu_transfer_pr", "npu_transfer_proxy"))]
    value = "running" if servers else "not running"
    evidence = servers[0].strip() if servers else "no process named rknn_server"
    return Fact(value, evidence, "grep -x rknn_server /proc/*/comm",
                extra={"processes": len(servers), "npu_transfer_proxy": len(proxies)})

