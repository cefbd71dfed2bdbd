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
    DEBUGFS,
    DT_SERIAL_FILE,
    GALCORE_KO_PATHS,
    LOADED_VERSION_FILES,
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
    """android (getprop), else linux (os-release, else /proc/version); ``kernel`` always (None if unread)."""
    kernel = _text(answer.sections.get("kernel")).strip()
    release = identity.kernel_release(kernel) if kernel.startswith("Linux") else None
    props = _props(answer)
    if props:
        android = props.get("ro.build.version.release")
        evidence = f"[ro.build.version.release]: [{android}]" if android else "getprop answers"
        return Fact("android", evidence, "getprop", extra={"release": android, "kernel": release})
    osr = identity.os_release(_text(answer.sections.get("os_release")))
    if osr.get("PRETTY_NAME") or osr.get("ID"):
        name = osr.get("PRETTY_NAME") or osr.get("ID")
        return Fact("linux", f"PRETTY_NAME={name}", "cat /etc/os-release", extra={"release": name, "kernel": release})
    if kernel.startswith("Linux"):
        return Fact("linux", kernel.splitlines()[0][:200], "cat /proc/version", extra={"kernel": release})
    return Fact.unknown(_missing_section(answer, "kernel") or "neither getprop, /etc/os-release nor /proc/version "
                        "answered", "getprop; cat /etc/os-release; cat /proc/version")


def _files_found(section: Section | None) -> list[str]:
    return [p for p in (section.parts if section else {}) if p]


def npu_driver(answer: Answer) -> Fact:
    """The NPU kernel driver that is loaded: its own node first, the kernel log next, the file last.

    galcore (RKNPU1): debugfs ``gc/version`` or the 6.4.6 sysfs ``version``, then the last
    ``Galcore version`` line of dmesg, then the ``$VERSION$`` tag of galcore.ko (what is installed;
    its version is kept as ``installed_version`` whenever it was read, so the judge can tell a
    driver pushed but never loaded). rknpu (RKNPU2): debugfs/procfs ``rknpu/version``, then dmesg.
    """
    dmesg = answer.sections.get("dmesg")
    dmesg_text = _text(dmesg)
    # recordings made before the loaded-version section carry the RKNPU2 nodes as "rknpu_debug"
    loaded = answer.sections.get("npu_loaded") or answer.sections.get("rknpu_debug")
    nodes = {p: _text(loaded, p) for p in _files_found(loaded)}
    modules = _text(answer.sections.get("modules"))
    rknpu_nodes = {p: t for p, t in nodes.items() if "/rknpu/" in p}
    if "rknpu" in modules or rknpu_nodes or "rknpu" in dmesg_text.lower():
        fact = _rknpu(rknpu_nodes, dmesg_text, loaded)
        if fact.value or "galcore" not in (modules + dmesg_text).lower():
            return fact
    return _galcore(answer, {p: t for p, t in nodes.items() if p not in rknpu_nodes}, loaded, modules)


def _node_kind(path: str) -> str:
    return "debugfs" if path.startswith(DEBUGFS) else "procfs" if path.startswith("/proc/") else "sysfs"


def _no_node(answer: Answer, loaded: Section | None, what: str) -> str:
    """Why the loaded module's own version node gave nothing: a reason, never an error."""
    missing = _missing_section(answer, "npu_loaded") if loaded is None or not loaded.finished else None
    if missing:
        return missing
    if loaded.meta.get("denied"):
        return f"{DEBUGFS} is root-only for this user (run adb as root), so {what} cannot be read"
    if "debugfs" not in _text(loaded, ""):
        return f"debugfs is not mounted at {DEBUGFS} (no {what} there)"
    return f"no {what} in debugfs"


def _rknpu(nodes: dict[str, str], dmesg_text: str, loaded: Section | None) -> Fact:
    reasons = []
    for path, text in nodes.items():
        parsed = drivers.rknpu_version(text)
        if parsed.version:
            return Fact.read(parsed, f"cat {path}", driver="rknpu", loaded_from=_node_kind(path), path=path)
        reasons.append(f"{path} answered {text.strip()[:120]!r}")
    if not nodes:
        why = "denied" if loaded is not None and loaded.meta.get("denied") else "absent"
        reasons.append(f"{DEBUGFS}/rknpu/version is root-only for this user (run adb as root)" if why == "denied"
                       else "no rknpu/version node in debugfs or procfs")
    parsed = drivers.rknpu_version(dmesg_text)
    if parsed.version:
        return Fact.read(parsed, "dmesg | grep -i rknpu", {"loaded_reason": "; ".join(reasons)}, driver="rknpu",
                         loaded_from="kernel log")
    reasons.append("no 'Initialized rknpu' line in dmesg (rotated out of the ring buffer)")
    return Fact.unknown("; ".join(reasons), "cat /sys/kernel/debug/rknpu/version; dmesg | grep -i rknpu",
                        driver="rknpu")


def _galcore(answer: Answer, nodes: dict[str, str], loaded: Section | None, modules: str) -> Fact:
    dmesg = answer.sections.get("dmesg")
    dmesg_text = _text(dmesg)
    log = drivers.galcore_version(dmesg_text)
    reasons: list[str] = [] if log.version else [_why_no_log(answer, dmesg, dmesg_text)]
    node = None
    for path, text in nodes.items():
        parsed = drivers.galcore_node_version(text)
        if parsed.version:
            node = (parsed, path)
            break
        reasons.append(f"{path}: {parsed.reason}")
    cut = loaded is None or not loaded.finished
    if node is None and not nodes and not (cut and reasons and reasons[0].startswith(CUT_OFF)):
        reasons.append("loaded module: " + _no_node(answer, loaded, "gc/version (galcore 6.4.0/6.4.3)")
                       + f", and no {LOADED_VERSION_FILES[1]} (galcore 6.4.6)")
    installed = _installed_galcore(answer, reasons)
    if node is not None:
        parsed, path = node
        fact = Fact.read(parsed, f"cat {path}", driver="galcore", loaded_from=_node_kind(path), path=path)
    elif log.version:
        fact = Fact.read(log, CMD_DMESG, driver="galcore", loaded_from="kernel log")
    elif installed is not None:
        parsed, source, path = installed
        why = "; ".join(r for r in reasons if r)
        return Fact.read(parsed, source, {"note": "read from the module file on disk; the loaded module may "
                                                  f"differ ({why})"}, driver="galcore", loaded_from="module file",
                         path=path)
    else:
        fw = _firmware(answer, drivers.galcore_version)
        if fw:
            return fw
        if "galcore" not in modules and "galcore" not in dmesg_text.lower() and modules:
            reasons.append("galcore is not in /proc/modules")
        return Fact.unknown("; ".join(r for r in reasons if r), f"{CMD_DMESG}; strings galcore.ko",
                            lost_to_cut=dmesg is None or not dmesg.finished)
    _describe_log(fact, log, node is not None)
    if installed is not None:
        fact.installed_version = str(installed[0].version)
        fact.extra["installed_path"] = installed[2]
    return fact


def _why_no_log(answer: Answer, dmesg: Section | None, dmesg_text: str) -> str:
    if dmesg is None or not dmesg.finished:
        return _missing_section(answer, "dmesg") or ""
    if _dmesg_refused(dmesg_text):
        return "dmesg is not readable by this user (run adb as root)"
    return "no galcore version line in dmesg (rotated out of the ring buffer, or not loaded)"


def _dmesg_refused(text: str) -> bool:
    """dmesg's own refusal ("dmesg: klogctl: Operation not permitted", "dmesg: read kernel buffer
    failed: Permission denied"), not a kernel line that merely says "denied" (an SELinux avc)."""
    for line in text.splitlines():
        low = line.strip().lower()
        if "klogctl" in low or "read kernel buffer" in low or (
                low.startswith("dmesg:") and ("denied" in low or "not permitted" in low)):
            return True
    return False


def _installed_galcore(answer: Answer, reasons: list[str]):
    """(parsed, command, path) of the first galcore.ko on disk that states its version."""
    ko = answer.sections.get("galcore_ko")
    for path in _files_found(ko):
        parsed = drivers.galcore_version(_text(ko, path))
        if parsed.version:
            return parsed, _cmd(CMD_KO, path, ko), path
        reasons.append(f"{path} has no $VERSION$ tag")
    if ko is not None and ko.finished and not _files_found(ko):
        reasons.append(f"no galcore.ko at {GALCORE_KO_PATHS[0]} nor {len(GALCORE_KO_PATHS) - 1} other known paths")
    return None


def _describe_log(fact: Fact, log, from_node: bool) -> None:
    """What the kernel log adds: a reload (several version lines), or a last line the node contradicts."""
    notes = []
    seen = log.extra.get("kernel_log_versions") if log.version else None
    if seen:
        fact.extra["kernel_log_versions"] = seen
        notes.append(f"the kernel log has {len(seen)} 'Galcore version' lines ({', '.join(seen)}): the module "
                     "was loaded more than once; the last load is the one that runs")
    if from_node and log.version:
        fact.extra["kernel_log_version"] = str(log.version)
        if not log.version.matches(fact.version):
            notes.append(f"the kernel log's last 'Galcore version' line says {log.version}; the loaded module's "
                         f"own node says {fact.value}, which wins")
    if notes:
        fact.extra["note"] = "; ".join(notes)


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

