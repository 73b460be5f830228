"""The README's sweep, for real: the bundled samples on the local web device.

The sweep runs inside a network namespace of its own. Its only way out is one end of a veth
pair whose other end is in the same namespace (documentation addresses, nothing behind it).
tcpdump watches that way out, and DNS on loopback: any packet there means something tried to
leave (a connection, a name lookup), and fails the test. The interface's own IPv6 link-local
housekeeping is not an egress attempt and is filtered out.
"""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.checks.registry import CHECKS
from tests.e2e.netns import EGRESS_STOP, EGRESS_WATCH

pytestmark = pytest.mark.e2e

NAMESPACE_SCRIPT = EGRESS_WATCH + '"$FINGERTIP" sweep --out "$OUT/reports" || status=$?\n' + EGRESS_STOP


def packets(pcap: Path) -> list[str]:
    out = subprocess.run(["tcpdump", "-n", "-r", str(pcap)], capture_output=True, text=True, check=True)
    return [line for line in out.stdout.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def sweep(root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("e2e")
    fingertip = Path(sys.executable).with_name("fingertip")
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("tcpdump"):
        pytest.fail("the e2e sweep needs root, unshare and tcpdump (./setup.sh installs tcpdump)")
    env = {**os.environ, "OUT": str(out), "FINGERTIP": str(fingertip)}
    result = subprocess.run(["unshare", "--net", "bash", "-c", NAMESPACE_SCRIPT], cwd=root, env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def root() -> Path:
    return Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def records(sweep: Path) -> list[dict]:
    return json.loads((sweep / "reports" / "latest" / "results.json").read_text(encoding="utf-8"))


def verdict(records: list[dict], app: str, article: str) -> str:
    return next(r["verdict"] for r in records if r["app"] == app and r["article"] == article)


EXPECTED = {
    "ebantong": {"5": "pass", "14(2)": "pass", "14(4)": "pass", "16-compat": "pass", "16-ipv6": "pass", "17": "pass",
                 "18": "pass"},
    "ganbutong": {"5": "fail", "14(2)": "fail", "14(4)": "review", "16-compat": "pass", "16-ipv6": "fail",
                  "17": "pass", "18": "fail"},
    "xuncha": {"5": "fail", "14(2)": "pass", "14(4)": "review", "16-compat": "pass", "16-ipv6": "fail", "17": "pass",
               "18": "fail"},
    "zhangshang": {"5": "pass", "14(2)": "pass", "14(4)": "pass", "16-compat": "pass", "16-ipv6": "pass",
                   "17": "pass", "18": "pass"},
}
"""Every bundled sample's right verdict for every article."""


def test_every_sample_gets_the_right_verdict_for_every_article(records: list[dict]) -> None:
    got = {app: {r["article"]: r["verdict"] for r in records if r["app"] == app} for app in EXPECTED}
    assert got == EXPECTED


def test_xuncha_uploads_in_gcj02_and_bd09_with_a_recompressed_photo(records: list[dict]) -> None:
    record = next(r for r in records if r["app"] == "xuncha" and r["article"] == "14(4)")
    notes = " ".join(e.get("note", "") for e in record["evidence"])
    assert "GCJ-02" in notes and "BD-09" in notes
    assert record["details"]["photo_uploads"] >= 1 and record["details"]["track"]
    complaint = next(r for r in records if r["app"] == "xuncha" and r["article"] == "18")
    assert complaint["details"]["在线受理"] and not complaint["details"]["跟踪反馈"]


def test_three_levels_deep_complaint_is_filed_and_tracked(records: list[dict]) -> None:
    record = next(r for r in records if r["app"] == "zhangshang" and r["article"] == "18")
    assert record["details"]["submitted"] and record["details"]["acceptance_numbers"]
    uploads = next(r for r in records if r["app"] == "zhangshang" and r["article"] == "14(4)")
    assert uploads["details"]["location_read_on_device"] and not uploads["details"]["location_uploads"]


def test_violating_sample_fails_art_14_2(records: list[dict]) -> None:
    assert verdict(records, "ganbutong", "14(2)") == "fail"
    assert verdict(records, "ganbutong", "18") == "fail"


def test_compliant_sample_passes_art_18(records: list[dict]) -> None:
    assert verdict(records, "ebantong", "18") == "pass"
    details = next(r["details"] for r in records if r["app"] == "ebantong" and r["article"] == "18")
    assert details["submitted"] and details["acceptance_numbers"]  # a canary complaint was filed and tracked
    assert verdict(records, "ebantong", "14(2)") == "pass"


def test_uploads_of_the_canaries_go_to_review(records: list[dict]) -> None:
    assert verdict(records, "ebantong", "14(4)") == "pass"
    assert verdict(records, "ganbutong", "14(4)") == "review"
    details = next(r["details"] for r in records if r["app"] == "ganbutong" and r["article"] == "14(4)")
    assert details["photo_uploads"] >= 1 and details["location_uploads"] >= 1 and details["gated"]


def test_ipv6_only_host_fails_art_16_ipv6(records: list[dict]) -> None:
    assert verdict(records, "ebantong", "16-ipv6") == "pass"
    assert verdict(records, "ganbutong", "16-ipv6") == "fail"
    details = next(r["details"] for r in records if r["app"] == "ganbutong" and r["article"] == "16-ipv6")
    assert details["hosts_without_aaaa"] == ["img.ganbutong.demo.test"]


def test_both_samples_run_stably(records: list[dict]) -> None:
    for app in ("ebantong", "ganbutong"):
        assert verdict(records, app, "16-compat") == "pass"
        assert verdict(records, app, "17") == "pass"


def test_filing_shown_by_one_sample_only(records: list[dict]) -> None:
    assert verdict(records, "ebantong", "5") == "pass"
    assert verdict(records, "ganbutong", "5") == "fail"


def test_every_cell_has_a_video_and_evidence_on_its_clock(sweep: Path, records: list[dict]) -> None:
    report = sweep / "reports" / "latest"
    for record in records:
        video = report / record["run"]["video"]
        assert video.stat().st_size > 10_000, video
        for item in record["evidence"]:
            assert item["t"] >= 0
            if "path" in item:
                assert (report / item["path"]).is_file()
    assert "<video" not in (report / "index.html").read_text(encoding="utf-8")  # the index stays light
    for name in EXPECTED:
        assert "<video" in (report / "runs" / f"{name}@web-phone" / "index.html").read_text(encoding="utf-8")


def test_junit_has_one_case_per_app_device_check(sweep: Path, records: list[dict]) -> None:
    junit = (sweep / "reports" / "latest" / "junit.xml").read_text(encoding="utf-8")
    assert junit.count("<testcase") == len(records) == len(EXPECTED) * len(CHECKS)


def test_hooks_saw_the_canary_location_and_photo(sweep: Path) -> None:
    run = sweep / "reports" / "latest" / "runs" / "ganbutong@web-phone"
    events = [json.loads(line) for line in (run / "hook_events.jsonl").read_text().splitlines()]
    results = [e for e in events if e["kind"] == "geolocation-result"]
    assert results and abs(results[0]["detail"]["latitude"] - 30.2741506) < 1e-6
    assert any(e["kind"] == "file-selected" for e in events)


def test_nothing_left_loopback(sweep: Path, records: list[dict]) -> None:
    assert packets(sweep / "egress.pcap") == []
    assert packets(sweep / "dns.pcap") == []
    for name in EXPECTED:
        observations = json.loads((sweep / "reports" / "latest" / "runs" / f"{name}@web-phone" /
                                   "observations.json").read_text())
        for flow in observations["flows"]:
            if flow["server_ip"]:
                assert ipaddress.ip_address(flow["server_ip"]).is_loopback, flow["url"]
            else:
                assert flow["refused"] or flow["error"], flow["url"]
    # Chromium's own update and sign-in pings are refused by the egress guard and reported.
    refused = {h for r in records for h in r["run"]["refused_egress"]}
    assert not any(h.endswith(".demo.test") for h in refused)
