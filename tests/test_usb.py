from __future__ import annotations

import json
import os

import pytest

from rknn_compat.errors import DeviceError
from rknn_compat.host import udev, usb

RULE = 'SUBSYSTEM=="usb", ATTR{idVendor}=="2207", MODE="0666"\n'


@pytest.fixture
def tree(tmp_path):
    """Fake rules dirs, sysfs and /dev/bus/usb under tmp_path."""
    dirs = [tmp_path / "etc", tmp_path / "run", tmp_path / "lib", tmp_path / "usrlib"]
    for d in dirs:
        d.mkdir()
    sysfs = tmp_path / "sys"
    sysfs.mkdir()
    dev = tmp_path / "dev"
    dev.mkdir()
    return tmp_path, dirs, sysfs, dev


def add_device(sysfs, dev, name, vid="2207", pid="1808", bus=3, num=75, mode=0o664,
               product="rk3xxx", serial="0123456789ABCDEF", node=True):
    d = sysfs / name
    d.mkdir()
    for fname, value in (("idVendor", vid), ("idProduct", pid), ("busnum", str(bus)),
                         ("devnum", str(num)), ("product", product), ("serial", serial)):
        (d / fname).write_text(value + "\n")
    if node:
        n = dev / f"{bus:03d}" / f"{num:03d}"
        n.parent.mkdir(exist_ok=True)
        n.write_bytes(b"")
        n.chmod(mode)
    return d


def by_mode(path, how):
    """Fake os.access: decide from the 'other' permission bits, as a normal user would."""
    bits = os.stat(path).st_mode
    return bool(bits & (0o004 if how == os.R_OK else 0o002))


def check(tree, **kw):
    _, dirs, sysfs, dev = tree
    kw.setdefault("access", by_mode)
    kw.setdefault("platform", "linux")
    kw.setdefault("euid", 1000)
    return usb.check_usb_access(rules_dirs=dirs, sysfs_root=sysfs, dev_root=dev, **kw)


# ------------------------------------------------------------------ rule text


def test_print_rule_matches_toolkit_script():
    text = udev.print_rule()
    assert udev.RULE_LINE == 'SUBSYSTEM=="usb", ATTR{idVendor}=="2207", MODE="0666"'
    assert udev.RULE_LINE in text
    assert "/etc/udev/rules.d/91-rk1808-ai-cs.rules" in text
    for cmd in ("sudo tee", "udevadm control --reload-rules", "udevadm trigger"):
        assert cmd in text
    assert udev.RULE_TEXT.strip() == udev.RULE_LINE


def test_the_printed_rule_is_found_by_the_parser(tmp_path):
    (tmp_path / "91-rk1808-ai-cs.rules").write_text(udev.RULE_TEXT)
    [m] = udev.find_rules([tmp_path])
    assert m.grants and m.grants_to == ("all users (MODE 0666)",)
    assert m.line == 1 and m.problem is None


# ------------------------------------------------------------------ rules parsing


def test_no_rule(tree):
    _, dirs, _, _ = tree
    (dirs[0] / "10-other.rules").write_text('SUBSYSTEM=="usb", ATTR{idVendor}=="18d1", '
                                            'MODE="0666"\n')
    assert udev.find_rules(dirs) == []


def test_rule_in_etc(tree):
    _, dirs, _, _ = tree
    (dirs[0] / "91-rk1808-ai-cs.rules").write_text(RULE)
    [m] = udev.find_rules(dirs)
    assert m.path == str(dirs[0] / "91-rk1808-ai-cs.rules")
    assert m.vendor_pattern == "2207" and m.subsystem == "usb" and m.mode == "0666"


def test_lib_rule_overridden_by_empty_etc_file(tree):
    _, dirs, _, _ = tree
    (dirs[2] / "91-rk1808-ai-cs.rules").write_text(RULE)
    (dirs[0] / "91-rk1808-ai-cs.rules").write_text("")
    scan = udev.scan_rules(dirs)
    assert scan.matches == []
    status = {f.path: f.status for f in scan.files}
    assert status[str(dirs[0] / "91-rk1808-ai-cs.rules")] == "masked"
    assert status[str(dirs[2] / "91-rk1808-ai-cs.rules")] == "overridden"


def test_lib_rule_masked_by_dev_null_symlink(tree):
    _, dirs, _, _ = tree
    (dirs[3] / "91-x.rules").write_text(RULE)
    (dirs[0] / "91-x.rules").symlink_to(os.devnull)
    assert udev.find_rules(dirs) == []


def test_lib_rule_alone_counts(tree):
    _, dirs, _, _ = tree
    (dirs[2] / "91-rk1808-ai-cs.rules").write_text(RULE)
    [m] = udev.find_rules(dirs)
    assert m.grants and "/lib/" in m.path


def test_only_rules_suffix(tree):
    _, dirs, _, _ = tree
    (dirs[0] / "91-rk1808-ai-cs.rules.bak").write_text(RULE)
    (dirs[0] / "README").write_text(RULE)
    assert udev.find_rules(dirs) == []


def test_group_rule(tmp_path):
    (tmp_path / "50-rk.rules").write_text(
        'SUBSYSTEMS=="usb", ATTRS{idVendor}=="2207", MODE="0660", GROUP="plugdev"\n')
    [m] = udev.find_rules([tmp_path])
    assert m.grants and m.grants_to == ("members of group plugdev",)


def test_group_rule_without_mode_uses_udev_default_0660(tmp_path):
    (tmp_path / "50-rk.rules").write_text('ATTRS{idVendor}=="2207", GROUP="plugdev"\n')
    [m] = udev.find_rules([tmp_path])
    assert m.grants_to == ("members of group plugdev",)


def test_uaccess_rule(tmp_path):
    (tmp_path / "70-rk.rules").write_text('SUBSYSTEM=="usb", ATTRS{idVendor}=="2207", '
                                          'TAG+="uaccess"\n')
    [m] = udev.find_rules([tmp_path])
    assert m.grants and m.uaccess and "local seat" in m.grants_to[0]
    assert m.problem is None


def test_uaccess_rule_too_late(tmp_path):
    (tmp_path / "99-rk.rules").write_text('ATTRS{idVendor}=="2207", TAG+="uaccess"\n')
    [m] = udev.find_rules([tmp_path])
    assert m.grants and "73-seat-late" in m.problem


def test_rkdeveloptool_style_product_rule(tmp_path):
    (tmp_path / "99-rk-rockusb.rules").write_text(
        'SUBSYSTEM!="usb", GOTO="end_rules_rk_rockusb"\n'
        'ENV{DEVTYPE}!="usb_device", GOTO="end_rules_rk_rockusb"\n'
        'ATTRS{idVendor}=="2207", ATTRS{idProduct}=="330c", MODE="0666", GROUP="users"\n'
        'LABEL="end_rules_rk_rockusb"\n')
    [m] = udev.find_rules([tmp_path])
    assert m.line == 3 and m.product_patterns == ("330c",)
    assert m.applies_to("330c") and not m.applies_to("1808")
    assert m.grants_to == ("all users (MODE 0666)", "members of group users")


def test_mode_0664_does_not_grant(tmp_path):
    (tmp_path / "a.rules").write_text('ATTR{idVendor}=="2207", MODE="0664"\n')
    [m] = udev.find_rules([tmp_path])
    assert not m.grants and "0664" in m.problem


def test_single_equals_is_assignment(tmp_path):
    (tmp_path / "a.rules").write_text('SUBSYSTEM=="usb", ATTR{idVendor}="2207", MODE="0666"\n')
    [m] = udev.find_rules([tmp_path])
    assert not m.grants and "'='" in m.problem


def test_not_equal_and_other_subsystem(tmp_path):
    (tmp_path / "a.rules").write_text(
        'ATTR{idVendor}!="2207", MODE="0666"\n'
        'SUBSYSTEM=="tty", ATTRS{idVendor}=="2207", MODE="0666"\n')
    [m] = udev.find_rules([tmp_path])
    assert m.line == 2 and not m.grants and "tty" in m.problem


def test_spaces_comments_continuations_and_globs(tmp_path):
    (tmp_path / "a.rules").write_text(
        '# ATTR{idVendor}=="2207", MODE="0666"\n'
        '   # indented comment ATTR{idVendor}=="2207"\n'
        '\n'
        'SUBSYSTEM == "usb" ,\\\n'
        '   ATTR{idVendor} == "220[0-9]",   \\\n'
        '   MODE := "0666"\n'
        'ATTRS{idVendor}=="18d1|2207", MODE="0666"\n'
        'ATTRS{idVendor}=="22*", ATTRS{idProduct}=="18*", MODE="0666"\n'
        'ATTRS{idVendor}=="2208", MODE="0666"\n')
    ms = udev.find_rules([tmp_path])
    assert [(m.line, m.vendor_pattern) for m in ms] == [
        (4, "220[0-9]"), (7, "18d1|2207"), (8, "22*")]
    assert all(m.grants for m in ms)
    assert ms[2].applies_to("1808") and ms[2].applies_to("180a") and not ms[2].applies_to("0006")


def test_legacy_sysfs_key(tmp_path):
    (tmp_path / "a.rules").write_text('SUBSYSTEM=="usb", SYSFS{idVendor}=="2207", MODE="0666"\n')
    [m] = udev.find_rules([tmp_path])
    assert not m.grants and "SYSFS" in m.problem


def test_hostile_files(tmp_path):
    (tmp_path / "00-binary.rules").write_bytes(os.urandom(4096) + b"\x00idVendor\xff\xfe\n")
    (tmp_path / "01-huge.rules").write_text('ATTR{idVendor}=="2207", MODE="' + "6" * 100_000
                                            + '"\n')
    (tmp_path / "02-garbage.rules").write_text('ATTR{idVendor}=="2207" MODE=0666 "\n' * 50)
    (tmp_path / "03-dir.rules").mkdir()
    (tmp_path / "04-dangling.rules").symlink_to(tmp_path / "nowhere")
    (tmp_path / "05-unclosed.rules").write_text('ATTR{idVendor}=="2207", MODE="0666\\')
    (tmp_path / "91-good.rules").write_text(RULE)
    big = tmp_path / "92-big.rules"
    big.write_bytes(b"#" * (udev.MAX_RULES_BYTES + 10) + b"\n" + RULE.encode())
    scan = udev.scan_rules([tmp_path])
    assert [m.path for m in scan.granting] == [str(tmp_path / "91-good.rules")]
    status = {os.path.basename(f.path): f.status for f in scan.files}
    assert status["03-dir.rules"] == "unreadable"
    assert status["04-dangling.rules"] == "unreadable"
    assert status["92-big.rules"] == "truncated"
    assert any("longer than" in p for p in scan.problems)
    assert any("more lines not understood" in p for p in scan.problems)
    json.dumps(scan.to_dict())


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files regardless of mode")
def test_unreadable_file_as_normal_user(tmp_path):
    f = tmp_path / "91-x.rules"
    f.write_text(RULE)
    f.chmod(0)
    scan = udev.scan_rules([tmp_path])
    assert scan.files[0].status == "unreadable"


def test_missing_rules_dirs_are_fine(tmp_path):
    assert udev.scan_rules([tmp_path / "nope"]).files == []


# ------------------------------------------------------------------ devices


def test_devices_listed_with_node_and_known_mode(tree):
    _, _, sysfs, dev = tree
    add_device(sysfs, dev, "3-1", pid="1808", bus=3, num=75, mode=0o666)
    add_device(sysfs, dev, "3-2", pid="0018", bus=3, num=7, mode=0o664)
    add_device(sysfs, dev, "1-1", vid="18d1", pid="4ee7", bus=1, num=2)
    (sysfs / "3-1:1.0").mkdir()  # an interface: no idVendor
    (sysfs / "usb3").mkdir()
    devs = usb.rockchip_usb_devices(sysfs, dev, access=by_mode)
    assert [d.usb_id for d in devs] == ["2207:1808", "2207:0018"]
    ntb, stick = devs
    assert ntb.node == str(dev / "003" / "075")
    assert ntb.node_mode == "0666" and ntb.node_mode_text == "-rw-rw-rw-"
    assert ntb.accessible and ntb.kind == "ntb" and ntb.id_quality == "primary"
    assert ntb.serial == "0123456789ABCDEF" and ntb.product == "rk3xxx"
    assert stick.readable and not stick.writable and not stick.accessible
    assert stick.id_quality == "forum" and "forum" in stick.id_source
    json.dumps([d.to_dict() for d in devs])


def test_known_ids_table():
    ids = usb.known_usb_ids()
    assert {"0006", "1808", "180a", "0018", "330c", "350a"} <= set(ids)  # rows added since: tests/test_read.py
    assert ids["0006"].kind == "adb" and ids["180a"].kind == "maskrom"
    assert all(i.source for i in ids.values())


def test_unreadable_sysfs_raises_device_error(tmp_path):
    with pytest.raises(DeviceError):
        usb.rockchip_usb_devices(tmp_path / "nosys", tmp_path)


# ------------------------------------------------------------------ report


def test_status_no_devices_without_rule(tree):
    r = check(tree)
    assert r.status == "no_devices" and not r.rule_installed
    assert udev.RULE_SCRIPT in r.remedy and "NTB" in r.remedy
    json.dumps(r.to_dict())


def test_status_no_devices_with_rule(tree):
    _, dirs, _, _ = tree
    (dirs[0] / "91-rk1808-ai-cs.rules").write_text(RULE)
    r = check(tree)
    assert r.status == "no_devices" and r.rule_installed and "lsusb" in r.remedy


def test_status_no_rule(tree):
    _, _, sysfs, dev = tree
    add_device(sysfs, dev, "3-1", mode=0o664)
    r = check(tree)
    assert r.status == "no_rule"
    assert "update_rk1808_usb_rule.sh" in r.remedy and "replug" in r.remedy
    assert r.to_dict()["devices"][0]["accessible"] is False


def test_status_ok(tree):
    _, dirs, sysfs, dev = tree
    (dirs[0] / "91-rk1808-ai-cs.rules").write_text(RULE)
    add_device(sysfs, dev, "3-1", mode=0o666)
    r = check(tree)
    assert r.status == "ok" and r.remedy is None
    assert r.devices[0].rules == [str(dirs[0] / "91-rk1808-ai-cs.rules") + ":1"]


def test_status_no_access_with_rule_present(tree):
    _, dirs, sysfs, dev = tree
    (dirs[0] / "91-rk1808-ai-cs.rules").write_text(RULE)
    add_device(sysfs, dev, "3-1", mode=0o660)  # rule installed after plugging in
    r = check(tree)
    assert r.status == "no_access"
    assert "replug" in r.remedy and "udevadm trigger" in r.remedy


def test_no_access_group_not_member(tree):
    _, dirs, sysfs, dev = tree
    (dirs[0] / "50-rk.rules").write_text('ATTRS{idVendor}=="2207", MODE="0660", '
                                         'GROUP="plugdev"\n')
    add_device(sysfs, dev, "3-1", mode=0o660)
    r = check(tree, in_group=lambda g: False)
    assert r.status == "no_access" and "usermod -aG plugdev" in r.remedy


def test_product_specific_rule_does_not_cover_other_products(tree):
    _, dirs, sysfs, dev = tree
    (dirs[0] / "99-rk-rockusb.rules").write_text(
        'ATTRS{idVendor}=="2207", ATTRS{idProduct}=="330c", MODE="0666"\n')
    add_device(sysfs, dev, "3-1", pid="1808", mode=0o660)
    assert check(tree).status == "no_rule"


def test_adb_and_maskrom_devices_get_mode_notes(tree):
    _, _, sysfs, dev = tree
    add_device(sysfs, dev, "3-1", pid="0006", num=5, mode=0o660)
    add_device(sysfs, dev, "3-2", pid="180a", num=6, mode=0o660)
    r = check(tree)
    assert r.status == "no_rule"
    assert "adb devices" in r.remedy and "MaskROM" in r.remedy


def test_root_gets_ok_with_note(tree):
    _, _, sysfs, dev = tree
    add_device(sysfs, dev, "3-1", mode=0o660)
    r = check(tree, access=lambda p, m: True, euid=0)
    assert r.status == "ok" and any("running as root" in n for n in r.notes)


def test_missing_node(tree):
    _, dirs, sysfs, dev = tree
    (dirs[0] / "91-rk1808-ai-cs.rules").write_text(RULE)
    add_device(sysfs, dev, "3-1", node=False)
    r = check(tree)
    assert r.status == "no_access" and not r.devices[0].node_exists
    assert any("no device node" in n for n in r.notes)


def test_not_linux(tree):
    r = check(tree, platform="darwin")
    assert r.status == "unknown" and "darwin" in r.reason
    json.dumps(r.to_dict())


def test_sysfs_unreadable_is_unknown(tmp_path):
    r = usb.check_usb_access(rules_dirs=[tmp_path], sysfs_root=tmp_path / "nosys",
                             dev_root=tmp_path, platform="linux")
    assert r.status == "unknown" and "nosys" in r.reason


def test_statuses_constant():
    assert usb.STATUSES == ("ok", "no_rule", "no_access", "no_devices", "unknown")
