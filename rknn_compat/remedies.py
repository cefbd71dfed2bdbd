"""Every "what to do" sentence rknn-compat prints about a board, in the manual's words.

One home, so the same problem always gets the same advice and a reviewer can read all of it
at once. The sentences follow the RKNN Toolkit Trouble-Shooting manual (1.3.2 section 1.7.2 and
1.6.2; 1.7.5 section 8.8, RKNN_ERR_DEVICE_UNAVAILABLE, items 4, 5 and 9), the RK3399Pro API guide,
and for RKNPU2 airockchip/rknn-toolkit2 doc/rknn_server_proxy.md (@ 42aa1d42, sections 1 and 4).
Pure text; imports only the table vocabulary.
"""

from __future__ import annotations

from .tables import COMPONENT_LABELS, Release

# adb state -> what to do (manual 1.7.2 step 2: `adb devices` must list the board)
ADB_STATE = {
    "unauthorized": "The board has not accepted this host's adb key: confirm the prompt on the board, or "
                    "add ~/.android/adbkey.pub to the board's adb_keys, then `adb kill-server`.",
    "offline": "The board is listed but not answering: replug the USB cable or reboot the board; for a "
               "network board `adb disconnect SERIAL && adb connect SERIAL`; check that adbd runs.",
    "no permissions": "This user may not open the USB device: install the udev rule "
                      "(`rknn-compat usb --print-rule`, or update_rk1808_usb_rule.sh), then replug.",
    "not found": "adb does not list this board: check the cable and the serial (`adb devices`); an RK1808 in "
                 "NTB mode (2207:1808) is not an adb device; for a network board `adb connect HOST:PORT`. If "
                 "the toolkit says 'not connected' while `adb devices` lists the board, two adb versions are "
                 "fighting over one server: use one adb.",
}

HOW_TO_READ = {
    "npu_driver": "run `dmesg | grep -i galcore` on the board as root (right after boot, before the log "
                  "rotates), or `strings /lib/modules/galcore.ko | grep VERSION`",
    "rknn_server": "run `strings /usr/bin/rknn_server | grep build` on the board, or rknn.get_sdk_version() "
                   "on the host (its DRV field is the rknn_server version)",
    "librknn_runtime": "run `strings /usr/lib/librknn_runtime.so | grep version` on the board",
}


def adb_state(state: str) -> str:
    return ADB_STATE.get(state, f"adb state is {state}")


def cut_off(why: str) -> str:
    """Facts lost to a cut-off answer get one remedy about the board, not the manual's commands."""
    return (f"The board stopped answering before this was read ({why}): check that it is not hung and that "
            "the link is stable, then retry (a slow board may need a longer --timeout).")


def unreadable(component: str, reason: str | None) -> str:
    return f"Could not read it ({reason}); {HOW_TO_READ[component]}."


def wrong_generation(soc: str | None, gen: str) -> str:
    if gen == "rknpu2":
        return (f"{soc or 'This board'} has an RKNPU2 NPU: RKNN Toolkit 1.x does not support it "
                "(TS 1.7.5: Toolkit 1 models are for RK1806/RK1808/RK3399Pro/RV1109/RV1126). "
                "Use RKNN-Toolkit2 with a matching rknn_server and librknnrt.")
    return (f"{soc or 'This board'} has an RKNPU1 NPU: RKNN-Toolkit2 does not support it. "
            "Use RKNN Toolkit 1.x (the 1.x tables: rknn-compat matrix).")


def bring_board_to(soc: str | None, target: Release) -> str:
    """How the manual says to bring a board to a release."""
    if soc == "RK3399Pro":
        return "update the NPU firmware (copy npu_fw/* of that release to /vendor/etc/npu_fw/, reboot)"
    if target.generation == "rknpu2":
        return "install rknn_server and librknnrt of that release (rknpu2 runtime), then restart rknn_server"
    comps = target.components
    return (f"push rknpu's drivers of that release (rknn_server {comps['rknn_server'].describe()}, "
            f"librknn_runtime {comps['librknn_runtime'].describe()} and galcore.ko "
            f"{comps['npu_driver'].describe()} together), then reboot")


def version_mismatch(target: Release, newer: bool, matched: list[str], soc: str | None) -> str:
    how = bring_board_to(soc, target)
    tool = "RKNN Toolkit " if target.generation == "rknpu1" else ""
    if newer and matched:
        return (f"Upgrade {target.product} on the host to {' or '.join(matched)} (the release this board matches), "
                f"or put the {target.toolkit} release on the board: {how}.")
    if newer:
        return (f"The board is newer than {target.product} {target.toolkit}: upgrade the toolkit on the host, "
                f"or put the {target.toolkit} release on the board: {how}.")
    return f"Upgrade the board to the {target.toolkit} release: {how}" + (
        f"; or use {tool}{' or '.join(matched)} on the host (the release this board matches)."
        if matched else ".")


def not_installed(component: str, target: Release | None) -> str:
    of_release = f" of the {target.toolkit} release" if target else ""
    if component == "rknn_server":
        return ("rknn_server is not installed: a board with the mini driver (runtime only) cannot be used "
                f"for online debugging from the PC. Install the full NPU driver{of_release}.")
    return f"{COMPONENT_LABELS[component]} is not installed: install the NPU driver{of_release} on the board."


def unlisted(component: str, version) -> str:
    return (f"No toolkit release in the matrices lists {COMPONENT_LABELS[component]} {version} "
            "(board-side releases such as 1.3.1/1.3.3/1.3.4/1.5.x have no toolkit "
            "counterpart): install the NPU driver of a toolkit release.")


def mixed_releases(component: str, version, belongs: list[str]) -> str:
    return (f"{COMPONENT_LABELS[component]} {version} belongs to toolkit {', '.join(belongs)}, the "
            "other components to another release: reinstall the NPU driver of one "
            "release (rknn_server, galcore.ko and librknn_runtime together).")


NO_TARGET = (
    "No target toolkit, so the board was only checked against itself. To check it against your "
    "toolkit give --toolkit X.Y.Z (RKNN Toolkit 1.x), --toolkit2 X.Y.Z (RKNN-Toolkit2), or --python PATH "
    "(the interpreter of the virtualenv rknn-toolkit is installed in, e.g. ~/venv36/bin/python; "
    "needed after `pipx install`, whose own environment has no toolkit).")


def mixed_rack(groups: dict[str, list[str]]) -> tuple[str, str]:
    """(finding, remedy) for a rack whose boards no single toolkit release fits."""
    ordered = sorted(groups.items(), key=lambda kv: -len(kv[1]))
    (label, serials), rest = ordered[0], ordered[1:]
    finding = ", ".join([f"{len(serials)} board{'s' if len(serials) != 1 else ''} on {label}"]
                        + [f"{len(s)} on {lb}" for lb, s in rest])
    remedy = ("No one toolkit release fits every board: bring the odd boards to the release of the others "
              f"({ordered[0][0]}; `rknn-compat probe --device SERIAL --toolkit ...` says how for each), "
              "or keep one toolkit environment per release.")
    return finding, remedy


def driver_not_loaded(installed, loaded) -> str:
    return (f"The installed driver {installed} is not loaded ({loaded} runs): reboot the board, or reload the "
            "module (rmmod galcore; insmod the new galcore.ko, as the board's S05NPU_init does).")


def installed_differs(installed, loaded, fits: bool | None) -> str:
    after = {True: "it fits as well", False: "it does NOT fit (the target toolkit, or the board's other "
             "components)", None: "check that it belongs to the same release"}[fits]
    return (f"The module file on disk is {installed}, not the loaded {loaded}: the next reboot loads it; "
            f"{after}.")


def below_recommended(component: str, version, wanted: str, target: Release | None) -> str:
    who = f"{target.product} {target.toolkit}" if target else "RKNN-Toolkit2"
    if component != "npu_driver" and target is not None:  # the product's same-version recommendation
        return (f"{COMPONENT_LABELS[component]} {version} is not the {wanted} Rockchip recommends for {who} "
                f"({target.cites['components']}): it may work; if it fails, install rknn_server and the runtime "
                "of that release together.")
    return (f"{COMPONENT_LABELS[component]} {version} is below what Rockchip recommends for {who} ({wanted}, "
            "RKNPU Quick Start 1.6.0 section 3.4.1): it may work; if it fails, update the board's kernel "
            "(the RKNPU2 driver is part of it).")


HOST_PROXY_IN_ADB_MODE = (
    "npu_transfer_proxy runs on this host while the board is used over adb: stop it (`pkill "
    "npu_transfer_proxy`, or exit the docker container that started it) so that only one kind of "
    "device is in use (TS 1.7.5 section 8.8, RKNN_ERR_DEVICE_UNAVAILABLE item 5).")


def ntb_no_access(usb_id: str | None) -> str:
    return (f"A device in NTB mode ({usb_id or '2207:1808'}) is attached but this user cannot open it: install "
            "the udev rule (`rknn-compat usb --print-rule`, or update_rk1808_usb_rule.sh of the RKNN Toolkit "
            "release), then replug (TS 1.7.5 section 8.8 item 4; `rknn-compat usb` says more).")


NPU_TRANSFER_PROXY_DOWN = (
    "npu_transfer_proxy (the AP end of the link to the NPU's rknn_server) is not running: "
    "start it, or reboot so that init starts it; its version must match the NPU firmware "
    "(RK3399Pro API guide v1.7.5 section 5.1.1).")


def rknn_server_down(android: bool, generation: str = "rknpu1", path: str | None = None) -> str:
    if generation == "rknpu2":
        server = path or ("/vendor/bin/rknn_server" if android else "/usr/bin/rknn_server")
        return ("rknn_server is installed but not running. It matters only for connected mode (RKNN-Toolkit2 "
                "on the PC running the model on this board): start it with `nohup " + server + " >/dev/null &`"
                + (" (after `setenforce 0`)" if android else "") + ". On-board inference with the C API "
                "(librknnrt) or rknn-toolkit-lite2 does not need it.")
    how = ("start it: `/vendor/bin/rknn_server &` (after `su; setenforce 0`)" if android
           else "start it: `start_rknn.sh` (or `restart_rknn.sh`), and check that /usr/bin/rknn_server is executable")
    return ("rknn_server is installed but not running, so init_runtime() fails with "
            f"RKNN_ERR_DEVICE_UNAVAILABLE (driver open fail, -9): {how}.")


def board_runs(release: Release) -> str:
    """With a target: what the board runs when that is a board-only release."""
    comps = ", ".join(f"{k} {v.describe()}" for k, v in release.components.items())
    return (f"The board runs {release.label}, a board release of rockchip-linux/rknpu that no RKNN Toolkit release "
            f"matches ({comps}).")


def board_release_without_toolkit(release: Release, nearest: list[str], soc: str | None) -> str:
    near = " or ".join(nearest) or "none"
    shipped = f"; it shipped for {', '.join(release.socs)}" if release.socs else ""
    if soc and release.socs and soc.upper() not in {s.upper() for s in release.socs}:
        shipped += f", not {soc}"
    return (f"The board's components belong to {release.label} ({release.released or 'undated'}{shipped}), a "
            f"board release no RKNN Toolkit release matches; the nearest toolkit releases are {near}. Use one "
            "of them (check it with --toolkit X.Y.Z), or bring the board to a toolkit release: push rknpu's "
            "drivers of that release (rknn_server, librknn_runtime and galcore.ko together), then reboot.")


def derived_unstated(component: str, release: Release) -> str:
    return (f"{release.product} {release.toolkit} is newer than the tables and its rule states no "
            f"{COMPONENT_LABELS[component]} version, so it cannot be judged: add a row for {release.toolkit} "
            "(copy matrices/ and pass --matrices; README, 'Adding a row').")


def server_not_shipped(soc: str, since) -> str:
    return (f"{soc} had no rknn_server before RKNN-Toolkit2 {since} (toolkit2 changelog v{since}): on-board "
            f"inference needs none; for connected mode (running from the PC) update the board to {since} or "
            "later, with rknn_server in /oem/usr/bin.")


def rule_unmet(rule, found) -> str:
    comps = " and ".join(COMPONENT_LABELS[c] for c in rule.components)
    if rule.recommended:
        return (f"{rule.text} This board has {found}: it may work; if on-board debugging fails, update {comps} to "
                f"{rule.minimum} or later ({rule.cite}).")
    return f"{rule.text} This board has {found}: update {comps} to {rule.minimum} or later ({rule.cite})."
