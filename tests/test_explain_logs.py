"""`rknn-compat explain` on the real logs of tests/data/logs (threads in SOURCES.md).

Each log's expected verdict, diagnoses, versions and error codes were read off the thread by
hand: what the user pasted and what the maintainers answered. A log rknn-compat cannot read right
stays here with what it does today and a comment saying so.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rknn_compat.explain import explain
from rknn_compat.tables.error_signatures import signatures

LOGS = Path(__file__).parent / "data" / "logs"

# file: (verdict, diagnosis ids, {component: first version/target seen}, error codes)
EXPECTED = {
    "airockchip-rknn-model-zoo-102-lite-target.log": (
        "problem_found", {"lite-on-board-target-not-supported", "ts-1.7.2-driver-open-fail"}, {},
        {"-12(ERROR_NOT_SUPPORTED)", "RKNN_ERR_DEVICE_UNAVAILABLE"}),
    "airockchip-rknn-model-zoo-214-runtime-shadowed.log": (
        "problem_found", {"model-version-above-runtime"},
        {"rknn_toolkit2": "2.3.0", "rknn_server": "2.3.0", "librknnrt": "2.3.0"}, {"-1(RKNN_ERR_FAIL)"}),
    "airockchip-rknn-model-zoo-99-msg-load-ack.log": (
        "problem_found", {"ts-1.7.1-msg-load-ack"},
        {"rknn_toolkit": "1.7.5", "npu_transfer": "2.1.0", "librknn_api": "1.7.5", "rknn_server": "1.7.5"},
        {"1(ACK_FAIL)", "RKNN_ERR_MODEL_INVALID"}),
    "airockchip-rknn-toolkit2-131-cannot-bind-listener.log": (
        "problem_found", {"adb-cannot-bind-transfer-proxy"},
        {"target": "RK3566", "board_platform": "RK3566", "rknn_toolkit2": "2.1.0"}, set()),
    "airockchip-rknn-toolkit2-175-device-offline-list-devices.log": (
        "problem_found", {"adb-device-offline"}, {"rknn_toolkit2": "1.5.2", "target": "RK3568"}, set()),
    "airockchip-rknn-toolkit2-229-server-too-old.log": ("problem_found", {"rknn-server-too-old"}, {}, set()),
    "airockchip-rknn-toolkit2-254-model-version-6-1.log": (
        "problem_found", {"model-version-above-runtime", "version.librknn_runtime", "version.npu_driver"},
        {"rknn_toolkit_lite2": "2.3.0", "librknnrt": "1.3.0", "npu_driver": "0.7.2"}, {"RKNN_ERR_FAIL"}),
    "airockchip-rknn-toolkit2-281-model-version-6-1.log": (
        "problem_found", {"model-version-above-runtime", "version.librknn_runtime"},
        {"rknn_toolkit_lite2": "2.3.0", "librknnrt": "1.4.0", "npu_driver": "0.9.8"}, {"RKNN_ERR_FAIL"}),
    "airockchip-rknn-toolkit2-282-msg-finish-fail.log": (
        "problem_found", {"outputs-get-msg-finish"}, {}, {"1(ACK_FAIL)", "RKNN_ERR_FAIL"}),
    "airockchip-rknn-toolkit2-295-output-index.log": ("problem_found", {"outputs-get-index-out-of-range"}, {}, set()),
    "airockchip-rknn-toolkit2-301-board-strings-server.log": (
        "problem_found", {"rknn-server-abnormal"}, {"rknn_server": "2.3.0", "npu_transfer": "2.2.2"},
        {"-9(ERROR_PIPE)"}),
    "airockchip-rknn-toolkit2-393-rv1126b-aarch32.log": (
        "problem_found", {"rknn-server-abnormal"},
        {"rknn_toolkit2": "2.3.2", "target": "RV1126B", "board_platform": "RV1126B", "npu_transfer": "2.2.2"},
        {"-9(ERROR_PIPE)"}),
    # a board-side logcat of a working handshake: versions, no error
    "airockchip-rknn-toolkit2-403-android-logcat-server.log": ("no_known_problem", set(), {"rknn_server": "2.3.2"},
                                                               set()),
    "airockchip-rknn-toolkit2-405-magic-with-versions.log": (
        "problem_found", {"rknn-format-invalid"}, {"librknnrt": "2.3.2", "npu_driver": "0.9.8"}, set()),
    "airockchip-rknn-toolkit2-408-librknnc-2.3.2-build.log": (
        "no_known_problem", set(), {"rknn_toolkit2": "2.3.2", "librknnc": "2.3.2"}, set()),
    "airockchip-rknn-toolkit2-480-server-connect-rv1126b.log": (
        "problem_found", {"rknn-server-abnormal"},
        {"rknn_toolkit2": "2.3.2", "target": "RV1126B", "board_platform": "RV1126B", "npu_transfer": "2.2.2"},
        {"-9(ERROR_PIPE)"}),
    "airockchip-rknn-toolkit2-482-unsupport-cpu-min.log": ("problem_found", {"unsupport-cpu-op"}, {},
                                                           {"-1(RKNN_ERR_FAIL)"}),
    "airockchip-rknn-toolkit2-534-unsupported-target-type.log": (
        "problem_found", {"unsupported-target-type"}, {"npu_driver": "0.9.7"}, set()),
    "airockchip-rknn-toolkit2-557-librknnmrt-unsupport-cpu-op.log": (
        "problem_found", {"unsupport-cpu-op"}, {"librknnmrt": "2.3.2", "npu_driver": "0.9.2"}, {"-1(RKNN_ERR_FAIL)"}),
    "airockchip-rknn-toolkit2-59-export-data-size-2x.log": (
        "problem_found", {"rknn-format-invalid"}, {"librknnrt": "2.0.0b0", "npu_driver": "0.7.2"},
        {"RKNN_ERR_MODEL_INVALID"}),
    "airockchip-rknn-toolkit2-60-invalid-magic.log": (
        "problem_found", {"rknn-format-invalid"}, {"librknnrt": "1.5.2", "npu_driver": "0.9.2"},
        {"RKNN_ERR_MODEL_INVALID"}),
    "airockchip-rknn-toolkit2-68-c-demo-open-rknpu.log": ("problem_found", {"rknpu-open-failed"}, {},
                                                          {"-1(RKNN_ERR_FAIL)"}),
    "av1d-rk3588-npu-llm-server-2-rkllm-model-too-old.log": (
        "problem_found", {"rkllm-model-too-old"}, {"rkllm_runtime": "1.0.1"}, set()),
    "cqu20160901-yolov10-4-model-version-prompt.log": (
        "problem_found", {"model-version-above-runtime"}, {}, {"-6(RKNN_ERR_MODEL_INVALID)"}),
    "cqu20160901-yolov8n-dfl-2-model-version-6-1.log": (
        "problem_found", {"model-version-above-runtime"}, {}, {"-1(RKNN_ERR_FAIL)"}),
    "deeplabcut-live-48-explicit-paddings.log": ("problem_found", {"ts-4.4-explicit-paddings"}, {}, set()),
    "googlesamples-assistant-sdk-python-236-pip-permission.log": (
        "problem_found", {"ts-1.1.2-install-permission-denied"}, {}, set()),
    "jeffycn-meta-rockchip-100-server-connect.log": (
        "problem_found", {"rknn-server-abnormal"}, {"npu_transfer": "2.1.0"}, {"-9(ERROR_PIPE)"}),
    "leafqycc-rknn-cpp-multithreading-19-model-version-6-4.log": (
        "problem_found", {"model-version-above-runtime"}, {}, {"-6(RKNN_ERR_MODEL_INVALID)"}),
    "leafqycc-rknn-multi-threaded-19-opencv-6-4.log": (
        "problem_found", {"model-version-above-runtime", "version.npu_driver"},
        {"librknnrt": "1.5.0", "npu_driver": "0.8.2"}, {"RKNN_ERR_MODEL_INVALID"}),
    "pelochus-ezrknn-llm-19-rkllm-driver-too-low.log": (
        "problem_found", {"rkllm-driver-too-low"}, {"npu_driver": "0.8.2", "rkllm_runtime": "1.1.2"}, set()),
    "radxa-build-rock-5b-29-debugfs-version.log": ("no_known_problem", set(), {"npu_driver": "0.9.6"}, set()),
    "radxa-docs-881-rkllm-open-rknpu.log": ("problem_found", {"rknpu-open-failed"}, {}, set()),
    "rbgirshick-py-faster-rcnn-14-pyfpe-jbuf.log": ("problem_found", {"ts-1.1.1-pyfpe-jbuf"}, {}, set()),
    "rockchip-linux-rknn-toolkit-104-not-implemented.log": ("problem_found", {"ts-5.3-op-not-implemented"}, {},
                                                            set()),
    "rockchip-linux-rknn-toolkit-133-target-platform-rk1806.log": (
        "problem_found", {"rknpu1-target-platform"}, {"librknn_runtime": "1.7.0"},
        {"-13(RKNN_ERR_TARGET_PLATFORM_UNMATCH)"}),
    "rockchip-linux-rknn-toolkit-140-pt-model-version.log": ("problem_found", {"pt-model-version-vs-torch"}, {},
                                                             set()),
    "rockchip-linux-rknn-toolkit-171-no-devices.log": ("problem_found", {"adb-device-offline"}, {}, set()),
    "rockchip-linux-rknn-toolkit-174-indented.log": (
        "problem_found", {"ts-1.7.2-driver-open-fail"}, {}, {"RKNN_ERR_DEVICE_UNAVAILABLE"}),
    "rockchip-linux-rknn-toolkit-215-proxy-zombie-ntb.log": (
        "problem_found", {"npu-transfer-proxy-down", "ts-1.7.2-driver-open-fail"},
        {"target": "RK1808", "host": "RK3399PRO", "npu_transfer": "2.1.0"}, {"-4(ERROR_NO_DEVICE)"}),
    "rockchip-linux-rknn-toolkit-236-recv-msgloadack.log": (
        "problem_found", {"recv-msgloadack-pipe", "ts-1.7.2-driver-open-fail"}, {},
        {"-9(ERROR_PIPE)", "RKNN_ERR_DEVICE_UNAVAILABLE"}),
    "rockchip-linux-rknn-toolkit-275-try-match.log": ("problem_found", {"ts-1.3.5-op-not-matched"}, {}, set()),
    "rockchip-linux-rknn-toolkit-281-proxy-permission.log": (
        "problem_found", {"npu-transfer-proxy-not-executable"}, {}, set()),
    "rockchip-linux-rknn-toolkit-282-constants-pkl.log": ("problem_found", {"torchscript-constants-pkl"}, {}, set()),
    "rockchip-linux-rknn-toolkit-316-try-match-resize.log": ("problem_found", {"ts-1.3.5-op-not-matched"}, {},
                                                             set()),
    "rockchip-linux-rknn-toolkit-347-vim-line-numbers.log": ("problem_found", {"ts-5.3-op-not-implemented"}, {},
                                                             set()),
    "rockchip-linux-rknn-toolkit-358-toolkit2-1.4.0-not-implemented.log": (
        "problem_found", {"ts-5.3-op-not-implemented"}, {"rknn_toolkit2": "1.4.0"}, set()),
    "rockchip-linux-rknn-toolkit-365-rk3399pro-pipe.log": (
        "problem_found", {"ts-1.7.2-driver-open-fail"}, {"npu_transfer": "2.1.0"},
        {"-9(ERROR_PIPE)", "RKNN_ERR_DEVICE_UNAVAILABLE"}),
    "rockchip-linux-rknn-toolkit-414-invalid-elf-header.log": ("problem_found", {"runtime-library-missing"}, {},
                                                               set()),
    "rockchip-linux-rknn-toolkit-440-info-len-sdk-1.6.0.log": (
        "problem_found", {"query-info-len", "version.npu_driver"}, {"librknnrt": "1.6.0", "npu_driver": "0.8.2"},
        {"-5(RKNN_ERR_PARAM_INVALID)"}),
    "rockchip-linux-rknn-toolkit-443-model-invalid.log": (
        "problem_found", {"ts-1.7.1-msg-load-ack"}, {"librknn_api": "1.7.5", "rknn_server": "1.7.5"},
        {"RKNN_ERR_MODEL_INVALID"}),
    "rockchip-linux-rknn-toolkit-450-driver-open-fail-9.log": (
        "problem_found", {"ts-1.7.2-driver-open-fail"}, {"npu_transfer": "2.1.0"},
        {"-9(ERROR_PIPE)", "RKNN_ERR_DEVICE_UNAVAILABLE"}),
    "rockchip-linux-rknn-toolkit-454-open-rknpu-module.log": ("problem_found", {"rknpu-open-failed"}, {},
                                                              {"RKNN_ERR_FAIL"}),
    "rockchip-linux-rknn-toolkit-510-device-not-connected.log": ("problem_found", {"device-not-connected"}, {},
                                                                 set()),
    "rockchip-linux-rknn-toolkit-511-two-runs-api-drv.log": (
        "problem_found", {"recv-msgloadack-pipe", "version.api-drv-mismatch"},
        {"rknn_toolkit": "1.7.5", "npu_transfer": "2.1.0", "librknn_api": "1.7.5", "rknn_server": "1.7.3"},
        {"-9(ERROR_PIPE)"}),
    "rockchip-linux-rknn-toolkit2-10-librknnc-unsupported-operator.log": (
        "problem_found", {"compiler-unsupported-operator"}, {"librknnc": "1.3.0"}, set()),
    # "buffer overflow!!!" then "Aborted": no known cause, so exit 3 and not a guess
    "rockchip-linux-rknn-toolkit2-118-tqdm-joined.log": ("unrecognised", set(), {"librknnc": "1.1.0b0"}, set()),
    "rockchip-linux-rknn-toolkit2-138-caffe-op-not-support.log": ("problem_found", {"caffe-layer-not-supported"}, {},
                                                                  set()),
    "rockchip-linux-rknn-toolkit2-153-specify-target-docker.log": ("problem_found", {"lite-container-target"}, {},
                                                                   set()),
    "rockchip-linux-rknn-toolkit2-16-no-dynamic-library.log": ("problem_found", {"runtime-library-missing"}, {},
                                                               set()),
    "rockchip-linux-rknn-toolkit2-170-info-len.log": (
        "problem_found", {"query-info-len", "version.npu_driver"}, {"librknnrt": "1.4.0", "npu_driver": "0.8.2"},
        {"-5(RKNN_ERR_PARAM_INVALID)"}),
    "rockchip-linux-rknn-toolkit2-2-inline-code.log": (
        "problem_found", {"rknn-server-abnormal", "ts-1.7.2-driver-open-fail"}, {"npu_transfer": "2.1.0"},
        {"-9(ERROR_PIPE)", "RKNN_ERR_DEVICE_UNAVAILABLE"}),
    "rockchip-linux-rknn-toolkit2-212-backticks.log": (
        "problem_found", {"model-version-above-runtime", "version.npu_driver"},
        {"librknnrt": "1.4.0", "npu_driver": "0.8.2"}, {"RKNN_ERR_FAIL"}),
    "rockchip-linux-rknn-toolkit2-254-unsupport-file.log": (
        "problem_found", {"tk2-dataset-unsupported-file"}, {"rknn_toolkit2": "1.5.2"}, set()),
    "rockchip-linux-rknn-toolkit2-292-clean-load.log": ("no_known_problem", set(), {"rknn_toolkit2": "1.6.0"}, set()),
    "rockchip-linux-rknn-toolkit2-31-on-board-target.log": (
        "problem_found", {"lite-on-board-target-not-supported", "ts-1.7.2-driver-open-fail"},
        {"model_target_platform": "RK3568"}, {"-12(ERROR_NOT_SUPPORTED)", "RKNN_ERR_DEVICE_UNAVAILABLE"}),
    "rockchip-linux-rknn-toolkit2-316-two-runs.log": (
        "problem_found", {"model-version-above-runtime", "version.npu_driver"},
        {"librknnrt": "1.5.0", "npu_driver": "0.9.0"}, {"-1(RKNN_ERR_FAIL)", "RKNN_ERR_MODEL_INVALID"}),
    "rockchip-linux-rknn-toolkit2-376-connected-2.3.2.log": (
        "problem_found", {"model-version-above-runtime"}, {"rknn_toolkit2": "2.3.2", "target": "RK3588"},
        {"RKNN_ERR_FAIL"}),
    "rockchip-linux-rknn-toolkit2-6-invalid-format-old-and-new.log": (
        "problem_found", {"rknn-format-invalid"}, {}, {"-1(RKNN_ERR_FAIL)"}),
    "rockchip-linux-rknn-toolkit2-91-server-connect-1.4.0.log": (
        "problem_found", {"rknn-server-abnormal"}, {"target": "RK3588", "npu_transfer": "2.1.0",
                                                    "rknn_toolkit2": "1.4.0"}, {"-9(ERROR_PIPE)"}),
    "rockchip-linux-rknpu-38-hal-version-segfault.log": ("problem_found", {"hal-version-segfault"}, {}, set()),
    "rockchip-linux-rknpu-43-mrt-incompatible.log": ("problem_found", {"mrt-incompatible-model-version"}, {}, set()),
    "rockchip-linux-rknpu-9-perf-too-many-client.log": (
        "problem_found", {"perf-too-many-client"}, {}, {"6(ACK_PERF_TOO_MANY_CLIENT)"}),
    "rockchip-linux-rknpu2-25-android-hardware-mismatch.log": ("problem_found", {"rknpu-hardware-mismatch"}, {},
                                                               set()),
    "zzutk-srntt-9-allow-pickle.log": ("problem_found", {"ts-1.3.4-allow-pickle"}, {}, set()),
}
# manual/ts-1.3.2-<section>-*.log: the error text of one manual section -> its signature
MANUAL = {
    "1.1.1": "ts-1.1.1-pyfpe-jbuf", "1.3.4": "ts-1.3.4-allow-pickle", "1.4.3": "ts-1.4.3-empty-dataset",
    "1.5.1": "ts-1.5.1-too-many-open-files", "1.6.3": "ts-1.6.3-nbg-graph-file-path",
    "1.7.1": "ts-1.7.1-msg-load-ack", "1.7.2": "ts-1.7.2-driver-open-fail", "3.1": "ts-3.1-deprecated-caffe-input",
    "3.2": "ts-3.2-round-mode", "3.3": "ts-3.3-scope-name", "3.4": "ts-3.4-ssd-detection-output",
    "3.6": "ts-3.6-faster-rcnn-proposal", "3.7": "ts-3.7-caffenet-v0-v1", "4.1": "ts-4.1-nonetype-op",
    "4.2": "ts-4.2-resource-dtype", "4.4": "ts-4.4-explicit-paddings", "5.1": "ts-5.1-tsr-op-type",
    "5.2": "ts-5.2-pytorch-stream-reader", "5.3": "ts-5.3-op-not-implemented", "5.4": "ts-5.4-lextoken",
}
# Manual answers with no message to recognise (the manual quotes none): 1.6.1 (pre_compile on an
# ARM64 toolkit), 1.8.1 (logging module), 1.8.2 (Windows exits without a log), 3.5 (SSD returns two
# tensors), 4.3 (output shape changed). 1.1.2 names only "Permission Denied": matched on pip's message.
NO_MESSAGE = {"1.6.1", "1.8.1", "1.8.2", "3.5", "4.3"}
# Signatures whose only evidence is the library's own string (no thread shows the message): the
# loader checks each against the printf format it was written from.
LIBRARY_ONLY = {"api-drv-unmatch", "runtime-driver-too-old", "model-compiler-above-runtime",
                "model-for-other-platform", "android-runtime-version-failed", "rknpu1-bare-nbg",
                "rknpu1-mini-driver", "query-model-too-old"}


def _summary(report):
    first: dict[str, str] = {}
    for f in report.facts:
        if f.kind in ("version", "target"):
            first.setdefault(f.component, f.value)
    codes = {f.value for f in report.facts if f.kind == "error_code"}
    return report.verdict, {d.id for d in report.diagnoses}, first, codes


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_log(name):
    verdict, ids, versions, codes = EXPECTED[name]
    got = _summary(explain([LOGS / name]))
    assert got[0] == verdict
    assert got[1] == ids
    assert {k: got[2].get(k) for k in versions} == versions
    assert got[3] == codes


@pytest.mark.parametrize("section", sorted(MANUAL))
def test_manual_text(section):
    (path,) = LOGS.glob(f"manual/ts-1.3.2-{section}-*.log")
    report = explain([path])
    assert MANUAL[section] in {d.id for d in report.diagnoses}
    assert report.exit_code == 1


def test_every_stored_log_is_expected_and_sourced():
    stored = {p.name for p in LOGS.glob("*.log")}
    assert stored == set(EXPECTED)
    sources = (LOGS / "SOURCES.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^\| `([^`]+)` \| (https://github\.com/\S+)", sources, re.M))
    assert set(listed) == stored
    manual = set(re.findall(r"^- `manual/([^`]+)`", sources, re.M))
    assert manual == {p.name for p in LOGS.glob("manual/*.log")}


def test_every_signature_is_shown_by_a_stored_log():
    shown = {i for _, ids, _, _ in EXPECTED.values() for i in ids} | set(MANUAL.values())
    table = {s.id for s in signatures()}
    assert table - shown == LIBRARY_ONLY
    for sid in LIBRARY_ONLY:
        sig = next(s for s in signatures() if s.id == sid)
        assert sig.cite.source.id in ("rknpu2-librknnrt", "rknn-toolkit2-2.5.0-wheel", "rknpu-binaries",
                                      "rknn-api-h-rknpu1", "github-issues", "rknn-server-proxy-2.3.2")


def test_manual_sections_covered():
    sections = {s.cite.section.split()[0] for s in signatures() if s.cite.source.id == "ts-1.3.2-cn"}
    issue_list = {"1.1.1", "1.1.2", "1.3.4", "1.3.5", "1.4.3", "1.6.1", "1.6.3", "1.7.1", "1.7.2", "1.8.1",
                  "1.8.2", "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "4.1", "4.2", "4.4", "5.1", "5.2",
                  "5.3", "5.4"}
    assert issue_list - sections == NO_MESSAGE - {"4.3"}


# ------------------------------------------------------------------ what the facts and judgements say


def _report(name):
    return explain([LOGS / name])


def test_runtime_and_driver_lines_in_both_punctuations():
    one = _report("airockchip-rknn-toolkit2-254-model-version-6-1.log")
    two = _report("airockchip-rknn-toolkit2-59-export-data-size-2x.log")
    for report, runtime, driver, line in ((one, "1.3.0", "0.7.2", 6), (two, "2.0.0b0", "0.7.2", 7)):
        rt = next(f for f in report.facts if f.component == "librknnrt")
        drv = next(f for f in report.facts if f.component == "npu_driver")
        assert (rt.value, drv.value, rt.line.number) == (runtime, driver, line)
        assert "RKNN Runtime Information" in rt.line.text and drv.extra["driver"] == "rknpu"


def test_model_version_names_the_runtime_that_loads_it():
    diag = next(d for d in _report("airockchip-rknn-toolkit2-281-model-version-6-1.log").diagnoses
                if d.id == "model-version-above-runtime")
    assert diag.facts["model_version"] == ["6"] and diag.facts["runtime_model_version"] == ["1"]
    assert diag.facts["runtime_min"] == ["1.5.2"]
    text = " ".join(diag.judgement)
    assert "librknnrt 1.5.2 or later" in text and "older than 1.5.0" in text
    assert "librknnrt 1.4.0" in text and "is older than 1.5.2: update it" in text
    assert [ln.number for ln in diag.lines] == [5, 6]


def test_model_version_with_a_newer_runtime_listed_says_another_one_ran():
    diag = next(d for d in _report("airockchip-rknn-model-zoo-214-runtime-shadowed.log").diagnoses
                if d.id == "model-version-above-runtime")
    assert any("loaded another librknnrt.so" in j for j in diag.judgement)


def test_two_runs_in_one_paste_keep_both():
    diag = next(d for d in _report("rockchip-linux-rknn-toolkit2-316-two-runs.log").diagnoses
                if d.id == "model-version-above-runtime")
    assert diag.facts["runtime_model_version"] == ["4", "1"]
    assert [ln.number for ln in diag.lines] == [4, 5, 17, 18]


def test_api_drv_mismatch_uses_the_probe_tables():
    report = _report("rockchip-linux-rknn-toolkit-511-two-runs-api-drv.log")
    diag = next(d for d in report.diagnoses if d.id == "version.api-drv-mismatch")
    assert diag.facts == {"api": ["1.7.5"], "drv": ["1.7.3"]}
    assert "needs rknn_server 1.7.5" in diag.cause
    assert "RKNN Toolkit 1.7.3" in diag.remedy and diag.source["id"] == "ts-1.7.5"
    assert [ln.number for ln in diag.lines] == [10, 11]
    equal = _report("airockchip-rknn-model-zoo-99-msg-load-ack.log")
    assert not [d for d in equal.diagnoses if d.id.startswith("version.")]


def test_transfer_codes_are_not_rknn_api_codes():
    report = _report("rockchip-linux-rknn-toolkit2-31-on-board-target.log")
    code = next(f for f in report.facts if f.value == "-12(ERROR_NOT_SUPPORTED)")
    assert code.extra["name"] == "ERROR_NOT_SUPPORTED"
    assert code.extra["meaning"] == "Operation not supported or unimplemented on this platform"
    assert code.extra["meaning_source"]["id"] == "libusb-h"
    capi = next(f for f in _report("rockchip-linux-rknn-toolkit-133-target-platform-rk1806.log").facts
                if f.kind == "error_code")
    assert capi.extra["meaning"].startswith("This RKNN model set target platform")


def test_prefixes_are_cleaned():
    vim = _report("rockchip-linux-rknn-toolkit-347-vim-line-numbers.log").diagnoses[0]
    assert vim.lines[0].number == 12 and vim.lines[0].text.startswith("E NotImplementedError")
    logcat = _report("rockchip-linux-rknpu2-25-android-hardware-mismatch.log").diagnoses[0]
    assert logcat.lines[0].text == "E RKNN: The rknn model does not match the RKNPU hardware version!"
    ticks = _report("rockchip-linux-rknn-toolkit2-2-inline-code.log").facts
    assert any(f.line.text.startswith("I NPUTransfer") for f in ticks)


def test_unknown_error_is_reported_not_explained():
    report = _report("rockchip-linux-rknn-toolkit2-118-tqdm-joined.log")
    assert report.exit_code == 3
    assert [ln.text for ln in report.unexplained] == ["E RKNN: [19:07:42.147] buffer overflow!!!",
                                                      "Aborted (core dumped)"]
    assert "no known problem explains" in report.reason


def test_devices_listed():
    ntb = _report("rockchip-linux-rknn-toolkit-215-proxy-zombie-ntb.log")
    dev = next(f for f in ntb.facts if f.component == "device")
    assert (dev.value, dev.extra["mode"]) == ("TS018082190800645", "ntb")
    adb = _report("airockchip-rknn-toolkit2-175-device-offline-list-devices.log")
    assert [(f.value, f.extra.get("mode")) for f in adb.facts if f.component == "device"] == [
        ("192.168.222.130:5555", "adb")]
    none = _report("rockchip-linux-rknn-toolkit-510-device-not-connected.log")
    assert {f.value for f in none.facts if f.component == "devices"} == {"none"}


def test_fixed_in_answers_compare_the_users_version():
    path = LOGS / "manual" / "ts-1.3.2-1.3.4-allow-pickle.log"
    unknown = explain([path]).diagnoses[0].fixed_in
    assert unknown["has_fix"] is None and unknown["version"] == "1.0.0"
    old = explain([path], toolkit="0.9.8").diagnoses[0].fixed_in
    assert old["has_fix"] is False and old["user_version"] == "0.9.8"
    new = explain([path], toolkit="1.3.2").diagnoses[0].fixed_in
    assert new["has_fix"] is True and "already has the fix" in new["note"]
