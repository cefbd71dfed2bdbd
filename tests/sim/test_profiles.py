from __future__ import annotations

import pytest

from rknn_compat.errors import UsageError
from rknn_compat.sim import ProfileError, list_profiles, load_profile
from rknn_compat.sim.blobs import elf_blob
from rknn_compat.sim.kmsg import kernel_log

REQUIRED = [
    "rk1808-linux-1.3.2", "rk1808-linux-1.1.0", "rk3399pro-android-1.7.5", "rk1808-mixed",
    "rk1808-linux-1.7.5", "rk1808-latency", "rk1808-stall", "rk1808-drop", "rk1808-garbage",
    "rk1808-huge-dmesg", "rk1808-dmesg-rotated", "rk1808-no-strings", "rk1808-no-runtime",
    "rk1808-unauthorized", "rk1808-offline",
]


def test_all_builtin_profiles_load():
    names = [n for n, _ in list_profiles()]
    for n in REQUIRED:
        assert n in names
    for n in names:
        p = load_profile(n)
        assert p.description


def test_fault_suffix_on_any_profile():
    p = load_profile("rk1808-linux-1.7.5+stall+latency_ms=20+no_strings")
    assert p.faults.stall == ["dmesg"] and p.faults.latency_ms == 20 and p.faults.no_strings
    assert load_profile("rk3399pro-android-1.7.5+unauthorized").auth == "reject"


@pytest.mark.parametrize(
    "body, reason",
    [
        ("description = 'x'\n[board\n", "invalid TOML"),
        ("description = 'x'\nbogus = 1\n[board]\n", "unknown key 'bogus'"),
        ("description = 'x'\n", "missing required key 'board'"),
        ("base = 'rk1808-linux-1.3.2'\ndescription = 'x'\n[faults]\nlatency_ms = 'slow'\n",
         "latency_ms must be a integer"),
        ("base = 'rk1808-linux-1.3.2'\ndescription = 'x'\n[adb]\nfeatures = ['sendrecv_v2']\n",
         "not implemented"),
        ("base = 'rk1808-linux-1.3.2'\ndescription = 'x'\n[npu]\nrknn_serverr = '1'\n",
         "unknown key 'rknn_serverr'"),
    ],
)
def test_malformed_profiles_refused(tmp_path, body, reason):
    f = tmp_path / "bad.toml"
    f.write_text(body)
    with pytest.raises(ProfileError) as ei:
        load_profile(str(f))
    assert isinstance(ei.value, UsageError)
    assert str(f) in str(ei.value) and reason in str(ei.value)


def test_unknown_profile_name():
    with pytest.raises(UsageError, match="unknown profile"):
        load_profile("rk9999")


def test_user_copy_with_base(tmp_path):
    f = tmp_path / "mine.toml"
    f.write_text("base = 'rk1808-linux-1.3.2'\ndescription = 'mine'\n[npu]\n"
                 "rknn_server = '1.4.0 (b4a8096 build: 2020-09-14 11:15:57)'\n")
    p = load_profile(f)
    assert p.name == "mine" and p.npu["rknn_server"].startswith("1.4.0")
    assert p.npu["galcore_tag"] == "$VERSION$6.4.0:227915$"


def test_elf_blob_strings_exact():
    blob = elf_blob(["1.3.2 (f113d64 build: 2020-04-23 09:35:26)", ".note.gnu.build-id"], 50000, "x")
    assert blob[:4] == b"\x7fELF" and len(blob) >= 50000
    import re

    found = [m.group().decode() for m in re.finditer(rb"[\x20-\x7e\t]{4,}", blob)]
    assert [s for s in found if "build" in s] == [
        "1.3.2 (f113d64 build: 2020-04-23 09:35:26)", ".note.gnu.build-id"]


def test_kernel_log_faults():
    p = load_profile("rk1808-linux-1.3.2")
    assert b"Galcore version 6.4.0.227915" in kernel_log(p)
    rot = kernel_log(p.with_faults(dmesg_rotated=True))
    assert b"galcore" not in rot.lower()
    huge = kernel_log(p.with_faults(huge_dmesg=True))
    assert len(huge) >= 10 * 1024 * 1024 and b"Galcore version" in huge
    junk = kernel_log(p.with_faults(garbage=True))
    with pytest.raises(UnicodeDecodeError):
        junk.decode("utf-8")
