"""frida-server's lifecycle on Android, through adbutils against a fake adb server speaking the real
host protocol: version and ABI matching, push, root, USAP pool, start, health, stop and restore."""

from __future__ import annotations

import lzma
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import adbutils
import frida
import pytest

from harness.instrumentation.frida_server import USAP_POOL, FridaServer, FridaServerError, elf_arch, find_binary
from harness.instrumentation.frida_session import AgentSession
from tests.fakes.adb_server import FakeAdbServer, FakeAndroid, fake_elf

VERSION = frida.__version__
ARM64, X86_64 = 183, 62


def server_file(folder: Path, machine: int = ARM64, version: str = VERSION, arch: str = "arm64") -> Path:
    path = folder / f"frida-server-{version}-android-{arch}"
    path.write_bytes(fake_elf(machine, b"\0frida-server " + version.encode() + b"\0"))
    return path


@pytest.fixture
def phone() -> FakeAndroid:
    return FakeAndroid("emulator-5554", props={"ro.product.cpu.abi": "arm64-v8a", USAP_POOL: "true"}, root=True)


@pytest.fixture
def adb(phone: FakeAndroid) -> Iterator[adbutils.AdbClient]:
    with FakeAdbServer(phone) as server:
        yield adbutils.AdbClient(host="127.0.0.1", port=server.port)


def test_start_pushes_the_matching_server_turns_usap_off_and_stop_restores_everything(
        tmp_path: Path, phone: FakeAndroid, adb: adbutils.AdbClient) -> None:
    server_file(tmp_path)
    device = adb.device(phone.serial)
    with FridaServer(device, "phone", cache=tmp_path) as server:
        remote = server.remote_path
        assert phone.files[remote].mode == 0o755
        assert phone.props[USAP_POOL] == "false"
        [(pid, argv)] = phone.processes.items()
        assert argv == [remote, "-l", "127.0.0.1:27042", f"--token={server.token}", "-D"]
        assert len(server.token) >= 32
        assert server.healthy()
        assert [(f.remote) for f in device.forward_list()] == ["tcp:27042"]
        phone.processes.clear()  # the server died
        assert not server.healthy()
        phone.processes[pid] = argv
    assert phone.processes == {}
    assert phone.props[USAP_POOL] == "true"
    assert device.forward_list() == []
    assert f"{remote} --version" in phone.commands


def test_a_rooted_phone_gets_its_root_steps_through_su(tmp_path: Path, phone: FakeAndroid,
                                                      adb: adbutils.AdbClient) -> None:
    phone.root, phone.su = False, True
    phone.props.pop(USAP_POOL)
    server_file(tmp_path)
    with FridaServer(adb.device(phone.serial), "phone", cache=tmp_path) as server:
        assert f"su -c '{server.remote_path} -l 127.0.0.1:27042 --token={server.token} -D'" in phone.commands
        assert phone.processes
    assert phone.processes == {}
    assert phone.props[USAP_POOL] == ""  # it was unset before


def test_aosp_su_takes_who_then_the_command(tmp_path: Path, phone: FakeAndroid, adb: adbutils.AdbClient) -> None:
    phone.root, phone.su, phone.su_form = False, True, "aosp"  # `su -c` is "invalid uid/gid '-c'" there
    server_file(tmp_path)
    with FridaServer(adb.device(phone.serial), "phone", cache=tmp_path) as server:
        assert f"su 0 sh -c '{server.remote_path} -l 127.0.0.1:27042 --token={server.token} -D'" in phone.commands
        assert phone.props[USAP_POOL] == "false"
    assert phone.processes == {}


def test_a_debuggable_build_gets_root_through_adb_root(tmp_path: Path, phone: FakeAndroid,
                                                      adb: adbutils.AdbClient) -> None:
    phone.root, phone.debuggable = False, True  # an AVD's google_apis image: userdebug, no su needed
    server_file(tmp_path)
    with FridaServer(adb.device(phone.serial), "phone", cache=tmp_path):
        assert phone.root and phone.processes
        assert not any(c.startswith("su ") for c in phone.commands)


def test_each_server_gets_its_own_token_and_the_client_sends_it(tmp_path: Path, phone: FakeAndroid,
                                                                adb: adbutils.AdbClient,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    server_file(tmp_path)
    added: list[tuple[str, dict[str, Any]]] = []
    manager = SimpleNamespace(add_remote_device=lambda address, **options: added.append((address, options)) or "dev",
                              remove_remote_device=lambda address: None)
    monkeypatch.setattr(frida, "get_device_manager", lambda: manager)
    first = FridaServer(adb.device(phone.serial), "phone", cache=tmp_path, host="10.0.0.7")
    assert first.token != FridaServer(adb.device(phone.serial), "phone", cache=tmp_path).token
    with first:
        first.frida_device()
    [(address, options)] = added
    assert address.startswith("10.0.0.7:") and options == {"token": first.token}  # a remote adb server's host


def test_a_server_a_killed_sweep_left_running_is_stopped(tmp_path: Path, phone: FakeAndroid,
                                                         adb: adbutils.AdbClient) -> None:
    from harness.devices.common.journal import Journal

    server_file(tmp_path)
    journal = Journal(tmp_path / "journal.json")
    killed = FridaServer(adb.device(phone.serial), "phone", cache=tmp_path, journal=journal)
    killed.start()  # … and the sweep dies here: nothing is stopped
    assert journal.load()["frida_server"]["usap_before"] == "true"
    with FridaServer(adb.device(phone.serial), "phone", cache=tmp_path, journal=journal) as again:
        assert len(phone.processes) == 1 and again.notes[0].startswith("stopped the frida-server")
    assert phone.processes == {} and phone.props[USAP_POOL] == "true" and journal.load() == {}


def test_no_root_is_a_clear_error_and_nothing_is_left_running(tmp_path: Path, phone: FakeAndroid,
                                                              adb: adbutils.AdbClient) -> None:
    phone.root = False
    server_file(tmp_path)
    with pytest.raises(FridaServerError, match="needs root"):
        FridaServer(adb.device(phone.serial), "phone", cache=tmp_path).__enter__()
    assert phone.files == {} and phone.processes == {}


def test_wrong_abi_and_wrong_version_are_refused_before_anything_is_pushed(tmp_path: Path, phone: FakeAndroid,
                                                                          adb: adbutils.AdbClient) -> None:
    configured = server_file(tmp_path, machine=X86_64)
    with pytest.raises(FridaServerError, match="built for x86_64, the device needs android-arm64"):
        FridaServer(adb.device(phone.serial), "phone", configured=configured).__enter__()
    old = server_file(tmp_path, version="16.5.9")
    with pytest.raises(FridaServerError, match=f"not frida-server {VERSION}.*16.5.9"):
        FridaServer(adb.device(phone.serial), "phone", configured=old).__enter__()
    assert phone.files == {}


def test_a_missing_binary_says_where_to_put_it_and_xz_releases_are_unpacked(tmp_path: Path) -> None:
    with pytest.raises(FridaServerError, match=f"frida-server-{VERSION}-android-arm64.*cannot download"):
        find_binary(VERSION, "arm64", None, tmp_path)
    raw = server_file(tmp_path)
    packed = raw.with_name(raw.name + ".xz")
    packed.write_bytes(lzma.compress(raw.read_bytes()))
    raw.unlink()
    binary = find_binary(VERSION, "arm64", None, tmp_path)
    assert binary.origin == packed and elf_arch(binary.data) == "arm64"


def test_a_server_already_running_is_not_taken_over(tmp_path: Path, phone: FakeAndroid,
                                                    adb: adbutils.AdbClient) -> None:
    server_file(tmp_path)
    phone.processes[77] = [f"/data/local/tmp/frida-server-{VERSION}", "-D"]
    with pytest.raises(FridaServerError, match="already running \\(pid 77\\)"):
        FridaServer(adb.device(phone.serial), "phone", cache=tmp_path).__enter__()
    assert 77 in phone.processes


def test_an_unauthorized_device_is_named(tmp_path: Path, phone: FakeAndroid, adb: adbutils.AdbClient) -> None:
    phone.state = "unauthorized"
    server_file(tmp_path)
    with pytest.raises(FridaServerError, match="unauthorized"):
        FridaServer(adb.device(phone.serial), "phone", cache=tmp_path).__enter__()


class _GatingDevice:
    """A frida device that announces spawns, as frida-server's spawn gating does."""

    name = "gating fake"

    def __init__(self) -> None:
        self.handlers: dict[str, Any] = {}
        self.resumed: list[int] = []
        self.attached: list[int] = []
        self.gating = False

    def on(self, signal: str, handler: Any) -> None:
        self.handlers[signal] = handler

    def off(self, signal: str, handler: Any) -> None:
        self.handlers.pop(signal, None)

    def enable_spawn_gating(self) -> None:
        self.gating = True

    def disable_spawn_gating(self) -> None:
        self.gating = False

    def attach(self, pid: int) -> Any:
        self.attached.append(pid)
        raise frida.ProcessNotFoundError(f"unable to find process with pid {pid}")

    def resume(self, pid: int) -> None:
        self.resumed.append(pid)


def test_spawn_gating_instruments_the_apps_own_processes_and_resumes_every_spawn(tmp_path: Path) -> None:
    device = _GatingDevice()
    session = AgentSession(device, tmp_path / "hooks.jsonl", families=["network"])
    session.gate_spawns(lambda identifier: identifier.split(":")[0] == "cn.gov.demo")
    assert device.gating
    for pid, identifier in ((101, "cn.gov.demo:push"), (102, "com.other.app"), (103, "cn.gov.demo")):
        device.handlers["spawn-added"](SimpleNamespace(pid=pid, identifier=identifier))
    deadline = time.monotonic() + 5
    while len(device.resumed) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    session.close()
    assert sorted(device.resumed) == [101, 102, 103]
    assert sorted(device.attached) == [101, 103]
    assert not device.gating and device.handlers == {}
    assert len([p for p in session.problems if "cannot attach" in p]) == 2


class _SlowAttachDevice(_GatingDevice):
    """Attaching takes longer than Android waits for a new app process."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay

    def attach(self, pid: int) -> Any:
        time.sleep(self.delay)
        return super().attach(pid)


def test_a_gated_spawn_is_resumed_by_the_deadline_and_its_pause_is_measured(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import harness.instrumentation.frida_session as fs

    monkeypatch.setattr(fs, "GATE_DEADLINE_S", 0.3)
    device = _SlowAttachDevice(delay=2.0)
    session = AgentSession(device, tmp_path / "hooks.jsonl", families=["network"])
    session.gate_spawns(lambda identifier: identifier == "cn.gov.demo")
    started = time.monotonic()
    device.handlers["spawn-added"](SimpleNamespace(pid=201, identifier="cn.gov.demo"))
    while not device.resumed and time.monotonic() - started < 5:
        time.sleep(0.02)
    assert device.resumed == [201] and time.monotonic() - started < 1.5  # not held for the whole attach
    while "cn.gov.demo" not in session.gate_pauses and time.monotonic() - started < 5:
        time.sleep(0.02)
    assert 0.25 < session.gate_pauses["cn.gov.demo"] < 1.5
    assert any("not loaded within" in p for p in session.problems)
    session.close()


class _ThrowingScript:
    """A script whose init() throws inside the agent: frida raises RPCException."""

    def __init__(self) -> None:
        self.exports_sync = SimpleNamespace(now=lambda: time.time() * 1000, init=self._init)

    @staticmethod
    def _init(options: dict[str, Any]) -> Any:
        raise frida.core.RPCException("Error: java.lang.ClassNotFoundException: okhttp3.CertificatePinner")

    def on(self, signal: str, handler: Any) -> None:
        pass

    def load(self) -> None:
        pass


def test_an_agent_whose_init_throws_is_a_reported_problem(tmp_path: Path) -> None:
    detached: list[int] = []
    session_object = SimpleNamespace(on=lambda *a: None, create_script=lambda *a, **k: _ThrowingScript(),
                                     detach=lambda: detached.append(1))
    device = _GatingDevice()
    device.attach = lambda pid: session_object  # type: ignore[method-assign]
    session = AgentSession(device, tmp_path / "hooks.jsonl", families=["network"])
    session.gate_spawns(lambda identifier: True)
    device.handlers["spawn-added"](SimpleNamespace(pid=301, identifier="cn.gov.demo"))
    deadline = time.monotonic() + 5
    while not device.resumed and time.monotonic() < deadline:
        time.sleep(0.02)
    session.close()
    assert device.resumed == [301] and detached == [1]
    assert any("agent did not start" in p and "CertificatePinner" in p for p in session.problems)


class _FlushingScript:
    """An agent holding one event until flush() (it sends them, then reports what it did not)."""

    def __init__(self, order: list[str]) -> None:
        self.order = order
        self.handlers: dict[str, Any] = {}
        self.exports_sync = SimpleNamespace(now=lambda: time.time() * 1000, init=lambda options: {"installed": []},
                                            flush=self._flush)

    def _flush(self) -> dict[str, Any]:
        self.order.append("flush")
        self.handlers["message"]({"type": "send", "payload": {"type": "events", "events": [
            {"kind": "network", "api": "java.net.Socket.connect", "t": time.time() * 1000}]}}, None)
        return {"suppressed": {"java.net.Socket.connect": 3}}

    def on(self, signal: str, handler: Any) -> None:
        self.handlers[signal] = handler

    def load(self) -> None:
        pass


def test_closing_flushes_the_agent_then_detaches_without_a_lost_problem(tmp_path: Path) -> None:
    """Hooks are closed before the app is stopped: the agent's queue is read out first, and the detach the
    harness asked for (frida reports `application-requested`) is no lost session."""
    order: list[str] = []
    script = _FlushingScript(order)
    handlers: dict[str, Any] = {}

    def detach() -> None:
        order.append("detach")
        handlers["detached"]("application-requested", None)

    session_object = SimpleNamespace(on=lambda signal, handler: handlers.__setitem__(signal, handler),
                                     create_script=lambda *a, **k: script, detach=detach)
    device = _GatingDevice()
    device.attach = lambda pid: session_object  # type: ignore[method-assign]
    session = AgentSession(device, tmp_path / "hooks.jsonl", families=["network"])
    session.gate_spawns(lambda identifier: True)
    device.handlers["spawn-added"](SimpleNamespace(pid=401, identifier="cn.gov.demo"))
    deadline = time.monotonic() + 5
    while not device.resumed and time.monotonic() < deadline:
        time.sleep(0.02)
    session.close()
    assert order == ["flush", "detach"] and session.problems == []
    lines = (tmp_path / "hooks.jsonl").read_text(encoding="utf-8")
    assert "java.net.Socket.connect" in lines and '"not_reported": 3' in lines
