"""The Frida agent for real: native hooks in a host process, Java hooks in a HotSpot JVM running
stand-in classes with Android's names. Everything stays on loopback."""

from __future__ import annotations

import datetime
import ipaddress
import json
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import frida
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from harness.instrumentation import HOOK_PROBLEM as PROBLEM
from harness.instrumentation.frida_session import AgentSession, InstrumentationError

JVM_SOURCES = Path(__file__).parents[1] / "data" / "jvm" / "src"
JVM_PLUGIN = Path(__file__).parents[1] / "data" / "jvm" / "plugin"
LAT, LON = 31.2304721, 121.4737416


def read_events(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def listeners() -> Iterator[tuple[int, int]]:
    """A TCP listener on 127.0.0.1 and one on ::1 that accept and close."""
    servers = []
    for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        server = socket.socket(family, socket.SOCK_STREAM)
        server.bind((host, 0))
        server.listen(8)
        servers.append(server)

    def accept(server: socket.socket) -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.close()

    for server in servers:
        threading.Thread(target=accept, args=(server,), daemon=True).start()
    yield servers[0].getsockname()[1], servers[1].getsockname()[1]
    for server in servers:
        server.close()


def test_native_hooks_report_family_address_and_port_from_the_first_instruction(tmp_path: Path,
                                                                                  listeners: tuple[int, int]) -> None:
    port4, port6 = listeners
    # The connects happen at once and the program exits: only hooks in place before it runs see them.
    program = (
        "import socket\n"
        f"for host, port in (('127.0.0.1', {port4}), ('::1', {port6})):\n"
        "    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,"
        " flags=socket.AI_NUMERICHOST)[0]\n"
        "    with socket.socket(family, kind, proto) as s:\n"
        "        s.connect(address)\n"
    )
    events_path = tmp_path / "hooks.jsonl"
    before = time.time()
    with AgentSession(frida.get_local_device(), events_path, families=["network"]) as session:
        pid = session.spawn([sys.executable, "-c", program], label="host-program")
        deadline = time.time() + 20
        while time.time() < deadline and pid in session._processes:
            time.sleep(0.05)
    assert {"libc.connect", "libc.getaddrinfo"} <= session.installed
    events = read_events(events_path)
    connects = [(e["detail"]["family"], e["detail"]["address"], e["detail"]["port"], e["detail"]["ok"])
                for e in events if e["kind"] == "connect"]
    assert (4, "127.0.0.1", port4, True) in connects
    assert (6, "::1", port6, True) in connects
    lookups = {e["detail"]["host"]: e["detail"]["families"] for e in events if e["kind"] == "dns"}
    assert lookups["127.0.0.1"] == [4]
    assert lookups["::1"] == [6]
    # Device time is mapped onto the host clock.
    assert all(before - 1 < e["t"] < time.time() + 1 for e in events if e.get("source") == "frida")
    # The program's exit ends the session: reported as a problem, not swallowed.
    assert any("process-terminated" in p for p in session.problems)
    assert any(e["kind"] == PROBLEM for e in events)


BIONIC_LOOKUP = r"""
#include <netdb.h>
/* bionic's signature (libjavacore calls it for InetAddress); like Android 9's getaddrinfo and this one, which call
   each other, it resolves through the other lookup here, so one name must still make one event. */
int android_getaddrinfofornet(const char *host, const char *service, const struct addrinfo *hints,
                              unsigned netid, unsigned mark, struct addrinfo **res) {
    (void)netid; (void)mark;
    return getaddrinfo(host, service, hints, res);
}
"""
JAVA_STYLE_PROGRAM = r"""
#include <netdb.h>
#include <string.h>
int android_getaddrinfofornet(const char *, const char *, const struct addrinfo *, unsigned, unsigned,
                              struct addrinfo **);
int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        struct addrinfo hints, *res = NULL;
        memset(&hints, 0, sizeof hints);
        hints.ai_flags = AI_NUMERICHOST;
        hints.ai_socktype = SOCK_STREAM;
        if (android_getaddrinfofornet(argv[i], NULL, &hints, 0, 0, &res) != 0) return 1;
        freeaddrinfo(res);
    }
    return 0;
}
"""


def test_java_dns_through_android_getaddrinfofornet_is_one_event_per_name(tmp_path: Path) -> None:
    # Java's DNS goes through android_getaddrinfofornet, not getaddrinfo: a host program shaped like libjavacore.
    cc = shutil.which("cc")
    if cc is None:
        pytest.fail("a C compiler is missing: ./setup.sh installs build-essential")
    (tmp_path / "lookup.c").write_text(BIONIC_LOOKUP)
    (tmp_path / "program.c").write_text(JAVA_STYLE_PROGRAM)
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(tmp_path / "libfakebionic.so"), str(tmp_path / "lookup.c")],
                   check=True)
    program = tmp_path / "java-style-lookup"
    subprocess.run([cc, "-o", str(program), str(tmp_path / "program.c"), f"-L{tmp_path}", "-lfakebionic",
                    f"-Wl,-rpath,{tmp_path}"], check=True)
    events_path = tmp_path / "hooks.jsonl"
    with AgentSession(frida.get_local_device(), events_path, families=["network"]) as session:
        pid = session.spawn([str(program), "127.0.0.1", "::1"], label="java-style-lookup")
        deadline = time.time() + 20
        while time.time() < deadline and pid in session._processes:  # until it has exited
            time.sleep(0.05)
    assert "libc.android_getaddrinfofornet" in session.installed
    lookups = [(e["api"], e["detail"]["host"], e["detail"]["families"]) for e in read_events(events_path)
               if e["kind"] == "dns"]
    assert lookups == [("libc.android_getaddrinfofornet", "127.0.0.1", [4]),
                       ("libc.android_getaddrinfofornet", "::1", [6])]


def test_unknown_family_and_missing_program_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(InstrumentationError, match="unknown hook families"):
        AgentSession(frida.get_local_device(), tmp_path / "h.jsonl", families=["gps"])
    with AgentSession(frida.get_local_device(), tmp_path / "h.jsonl", families=["network"]) as session, \
            pytest.raises(InstrumentationError, match="no-such-program"):
        session.spawn([str(tmp_path / "no-such-program")])


# ── Java on HotSpot ─────────────────────────────────────────────────────────────────────────────


def _certificate(subject: str, issuer_key: ec.EllipticCurvePrivateKey | None, issuer: x509.Name | None,
                 ca: bool) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = datetime.datetime.now(datetime.UTC)
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer or name).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
               .not_valid_after(now + datetime.timedelta(days=2))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if not ca:
        loopback = x509.IPAddress(ipaddress.ip_address("127.0.0.1"))
        builder = builder.add_extension(x509.SubjectAlternativeName([loopback]), critical=False)
    return builder.sign(issuer_key or key, hashes.SHA256()), key


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


@dataclass(frozen=True)
class JvmClasses:
    classes: Path
    """On the class path: the stand-in app and Android's / play services' stand-ins."""
    plugin: Path
    """OkHttp's pinner, loaded by the app through its own class loader once the test asks."""


@pytest.fixture(scope="module")
def jvm_classes(tmp_path_factory: pytest.TempPathFactory) -> JvmClasses:
    javac = shutil.which("javac")
    if javac is None:
        pytest.fail("javac is missing: ./setup.sh installs default-jdk-headless")
    built = JvmClasses(tmp_path_factory.mktemp("classes"), tmp_path_factory.mktemp("plugin"))
    subprocess.run([javac, "-d", str(built.classes), *map(str, JVM_SOURCES.rglob("*.java"))], check=True)
    subprocess.run([javac, "-d", str(built.plugin), *map(str, JVM_PLUGIN.rglob("*.java"))], check=True)
    return built


def _https_server(folder: Path, name: str, leaf: x509.Certificate, key: ec.EllipticCurvePrivateKey,
                  issuer: x509.Certificate) -> socket.socket:
    """An HTTPS server on loopback answering 204 with `leaf` (chained to `issuer`)."""
    (folder / f"{name}.pem").write_text(_pem(leaf) + _pem(issuer))
    (folder / f"{name}.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                           serialization.PrivateFormat.PKCS8,
                                                           serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / f"{name}.pem", folder / f"{name}.key")
    server = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                raw, _ = server.accept()
            except OSError:
                return
            try:
                with context.wrap_socket(raw, server_side=True) as conn:
                    conn.recv(4096)
                    conn.sendall(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            except (OSError, ssl.SSLError):
                pass  # a client that refused the certificate: expected in some runs

    threading.Thread(target=serve, daemon=True).start()
    return server


@pytest.fixture
def tls_world(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A capture CA and an HTTPS server on loopback whose certificate it signed; a leaf of another CA; and a
    server under a CA the platform itself trusts (the JVM's trust store holds only that one)."""
    ca, ca_key = _certificate("Fingertip test capture CA", None, None, ca=True)
    leaf, leaf_key = _certificate("127.0.0.1", ca_key, ca.subject, ca=False)
    other_ca, other_key = _certificate("Somebody else's CA", None, None, ca=True)
    other_leaf, _ = _certificate("127.0.0.1", other_key, other_ca.subject, ca=False)
    system_ca, system_key = _certificate("A CA the platform trusts", None, None, ca=True)
    system_leaf, system_leaf_key = _certificate("127.0.0.1", system_key, system_ca.subject, ca=False)
    (tmp_path / "ours.pem").write_text(_pem(leaf))
    (tmp_path / "others.pem").write_text(_pem(other_leaf))
    (tmp_path / "system-ca.pem").write_text(_pem(system_ca))
    keytool = shutil.which("keytool")
    if keytool is None:
        pytest.fail("keytool is missing: ./setup.sh installs default-jdk-headless")
    store = tmp_path / "system-anchors.p12"
    subprocess.run([keytool, "-importcert", "-noprompt", "-alias", "system", "-file", str(tmp_path / "system-ca.pem"),
                    "-keystore", str(store), "-storetype", "PKCS12", "-storepass", "changeit"],
                   check=True, capture_output=True)
    ours = _https_server(tmp_path, "leaf", leaf, leaf_key, ca)
    system = _https_server(tmp_path, "system-leaf", system_leaf, system_leaf_key, system_ca)
    yield {"ca_pem": _pem(ca), "url": f"https://127.0.0.1:{ours.getsockname()[1]}/",
           "system_url": f"https://127.0.0.1:{system.getsockname()[1]}/", "trust_store": store,
           "ours": tmp_path / "ours.pem", "others": tmp_path / "others.pem"}
    ours.close()
    system.close()


def _start_jvm(jvm: JvmClasses, tls: dict[str, Any]) -> subprocess.Popen[str]:
    java = shutil.which("java") or "java"
    anchors = [f"-Djavax.net.ssl.trustStore={tls['trust_store']}", "-Djavax.net.ssl.trustStoreType=PKCS12",
               "-Djavax.net.ssl.trustStorePassword=changeit"]
    process = subprocess.Popen([java, *anchors, "-cp", str(jvm.classes), "fingertip.StandInApp", str(LAT), str(LON),
                                tls["url"], str(tls["ours"]), str(tls["others"]), tls["system_url"], str(jvm.plugin)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    return process


def _ask(process: subprocess.Popen[str], command: str) -> str:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(f"{command}\n")
    process.stdin.flush()
    return process.stdout.readline().strip()


def _repeat_until(process: subprocess.Popen[str], command: str, done: Callable[[str], bool],
                  timeout: float = 30) -> None:
    """Says `command` until `done(its answer)`: a hook installed later may take a moment to apply on HotSpot,
    and one the agent finds in a later class loader waits for its next look (at most 10 s apart)."""
    deadline = time.time() + timeout
    while not done(_ask(process, command)):
        assert time.time() < deadline, f"{command!r} never got what the test waits for"
        time.sleep(0.2)


def _seen(events_path: Path, api: str) -> bool:
    return events_path.exists() and any(e.get("api") == api for e in read_events(events_path))


def _warm_up(process: subprocess.Popen[str], session: AgentSession, timeout: float = 30) -> None:
    """HotSpot may apply a hook a moment after the agent installed it (more so on a loaded machine):
    the stand-in makes a hooked call until one is seen, so the calls under test all meet their hooks."""
    assert process.stdin is not None and process.stdout is not None
    deadline = time.time() + timeout
    while session.counts["location"] == 0:
        assert time.time() < deadline, "no hooked call was seen after attaching"
        process.stdin.write("warm\n")
        process.stdin.flush()
        assert process.stdout.readline().strip() == "warm"
        time.sleep(0.3)  # events reach the host in batches every 200 ms


def _outcomes(process: subprocess.Popen[str]) -> dict[str, str]:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("go\n")
    process.stdin.flush()
    lines = iter(process.stdout.readline, "")
    return dict(line.strip().split(" ", 1) for line in iter(lambda: next(lines).strip(), "done"))


def test_without_the_agent_the_stand_in_refuses_the_capture_ca(jvm_classes: JvmClasses,
                                                               tls_world: dict[str, Any]) -> None:
    process = _start_jvm(jvm_classes, tls_world)
    try:
        outcomes = _outcomes(process)
    finally:
        process.kill()
    assert outcomes["location"] == f"{LAT},{LON}"
    assert outcomes["https"].startswith("refused")
    assert outcomes["https-system"] == "ok 204"
    assert outcomes["pinned"].startswith("refused")
    assert outcomes["conscrypt-ours"].startswith("refused")


def test_java_hooks_fire_with_arguments_stacks_sdks_and_tls_is_intercepted(tmp_path: Path, jvm_classes: JvmClasses,
                                                                             tls_world: dict[str, Any]) -> None:
    process = _start_jvm(jvm_classes, tls_world)
    events_path = tmp_path / "hooks.jsonl"
    try:
        with AgentSession(frida.get_local_device(), events_path, ca_pem=tls_world["ca_pem"],
                          families=["location", "camera", "media", "capture-intent", "tls"]) as session:
            session.attach(process.pid, label="stand-in app")
            _warm_up(process, session)
            # OkHttp arrives with the app's own class loader after the agent: it is unpinned when it appears.
            assert "okhttp3.CertificatePinner.check" not in session.installed
            assert _ask(process, "plugin") == "plugin"
            _repeat_until(process, "pin", lambda answer: answer == "pin ok")
            outcomes = _outcomes(process)
    finally:
        process.kill()
    assert "android.location.LocationManager.getLastKnownLocation" in session.installed
    assert "javax.net.ssl.SSLContext.init" in session.installed
    assert session.problems == []
    events = read_events(events_path)
    by_api: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_api.setdefault(event["api"], []).append(event)

    last_known = next(e for e in by_api["android.location.LocationManager.getLastKnownLocation"]
                      if e["detail"].get("provider") == "gps")
    assert last_known["kind"] == "location"
    assert last_known["detail"] == {"provider": "gps", "result": {"latitude": LAT, "longitude": LON}}
    assert last_known["thread"] == "main"
    assert any("fingertip.StandInApp.main" in frame for frame in last_known["stack"])
    assert last_known["sdk"] == "" and last_known["caller"] == "fingertip.StandInApp"
    # The platform call the AMap SDK made is attributed to the SDK by its frames.
    updates = by_api["android.location.LocationManager.requestLocationUpdates"][0]
    assert updates["sdk"] == "高德 AMap SDK"
    assert any("com.amap.api.location.AMapLocationClient.startLocation" in f for f in updates["stack"])
    assert by_api["android.location.Location.getLatitude"][0]["detail"] == {"value": LAT}
    # 501 getLongitude calls: a bounded number is reported, the rest is counted, not silently dropped.
    longitude = by_api["android.location.Location.getLongitude"]
    times = sorted(float(e["t"]) for e in longitude if e["kind"] == "location")
    reported = len(times)
    [held_back] = [e for e in longitude if e["kind"] == "hook-stats"]
    # 20 per API per second: any one-second span holds at most two budget windows' worth, however slowly a
    # loaded machine runs the loop (a fixed total would depend on how many seconds the loop took).
    assert max(sum(1 for t in times if start <= t < start + 1.0) for start in times) <= 40
    assert held_back["detail"]["not_reported"] > 0
    assert reported + held_back["detail"]["not_reported"] == 501
    assert by_api["android.hardware.Camera.open"][0]["kind"] == "camera"
    # Only MediaStore URIs are media access; the notes URI is not reported.
    gallery = by_api["android.content.ContentResolver.openInputStream"]
    assert [e["detail"]["uri"] for e in gallery] == ["content://media/external/images/media/42"]

    # TLS: the app's own SSLContext trusts the capture CA, pinning is off, Conscrypt accepts a chain
    # the capture CA signed and still refuses one it did not.
    assert outcomes["https"] == "ok 204"
    # The capture CA is added to the platform's anchors, not put in their place: a server the app reaches
    # without the proxy still passes.
    assert outcomes["https-system"] == "ok 204"
    assert "okhttp3.CertificatePinner.check" in session.installed
    assert outcomes["pinned"] == "ok"
    assert outcomes["conscrypt-ours"] == "ok 1"
    assert outcomes["conscrypt-others"].startswith("refused")
    assert "okhttp3.CertificatePinner.check" in by_api
    assert "com.android.org.conscrypt.TrustManagerImpl.checkTrustedRecursive" in by_api


def test_the_capture_ca_is_added_to_the_platforms_anchors_not_put_in_their_place(
        tmp_path: Path, jvm_classes: JvmClasses, tls_world: dict[str, Any]) -> None:
    # TLS that bypasses the proxy (an SDK's own socket, a pinned channel left alone) must still be trusted.
    process = _start_jvm(jvm_classes, tls_world)
    try:
        with AgentSession(frida.get_local_device(), tmp_path / "hooks.jsonl", ca_pem=tls_world["ca_pem"],
                          families=["tls"]) as session:
            session.attach(process.pid, label="stand-in app")
            _repeat_until(process, "warm", lambda _answer: "javax.net.ssl.SSLContext.init" in session.installed)
            outcomes = _outcomes(process)
    finally:
        process.kill()
    assert session.problems == []
    assert outcomes["https"] == "ok 204"  # through the capture CA
    assert outcomes["https-system"] == "ok 204"  # through the platform's own anchor
    assert outcomes["conscrypt-others"].startswith("refused")


def test_fused_location_behind_its_interface_is_hooked_in_the_class_play_services_hands_out(
        tmp_path: Path, jvm_classes: JvmClasses, tls_world: dict[str, Any]) -> None:
    # play-services-location 21+: FusedLocationProviderClient is an interface; hooking its abstract methods reports
    # an API that never fires. The class LocationServices hands out is hooked instead, under the interface's name.
    process = _start_jvm(jvm_classes, tls_world)
    events_path = tmp_path / "hooks.jsonl"
    api = "com.google.android.gms.location.FusedLocationProviderClient.getLastLocation"
    try:
        with AgentSession(frida.get_local_device(), events_path, families=["location"]) as session:
            session.attach(process.pid, label="stand-in app")
            assert api not in session.installed
            factory = "com.google.android.gms.location.LocationServices.getFusedLocationProviderClient"
            assert factory in session.installed
            _repeat_until(process, "flp", lambda _answer: _seen(events_path, api))
    finally:
        process.kill()
    assert api in session.installed
    assert session.problems == []
    event = next(e for e in read_events(events_path) if e.get("api") == api)
    assert event["kind"] == "location"
    assert event["detail"] == {"implementation": "com.google.android.gms.internal.location.zzbi"}
    assert any("fingertip.StandInApp.main" in frame for frame in event["stack"])


def test_a_hook_log_gives_events_and_problems_apart(tmp_path: Path) -> None:
    from harness.observe.flows import read_hook_log

    log = tmp_path / "device_hooks.jsonl"
    log.write_text(json.dumps({"kind": "location", "api": "x", "t": 1.0}) + "\n"
                   + json.dumps({"kind": PROBLEM, "message": "Frida session with app lost: process-terminated"}) + "\n"
                   + '{"kind": "conn', encoding="utf-8")
    events, problems = read_hook_log(log)
    assert [e["kind"] for e in events] == ["location"]
    assert problems[0].endswith("is not JSON (a torn write?)")
    assert problems[1] == "Frida session with app lost: process-terminated"
    assert read_hook_log(tmp_path / "absent.jsonl") == ([], [])


def test_a_script_error_becomes_a_problem_in_the_log(tmp_path: Path) -> None:
    from harness.instrumentation.frida_session import _Process

    events_path = tmp_path / "hooks.jsonl"
    with AgentSession(frida.get_local_device(), events_path, families=["network"]) as session:
        # What frida delivers when the agent throws outside any hook (a timer callback, say).
        session._message(_Process(pid=4242, session=None, script=None, label="cn.gov.demo"),
                         {"type": "error", "description": "TypeError: cannot read property 'x' of null",
                          "stack": "at retry (java.ts:88)"})
    assert session.problems == ["agent script error in cn.gov.demo: TypeError: cannot read property 'x' of null"]
    [record] = read_events(events_path)
    assert record["kind"] == PROBLEM and record["detail"]["stack"] == "at retry (java.ts:88)"
