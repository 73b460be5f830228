"""The web device trusts the capture CA: an HTTPS app loads through the proxy, and the hook
script reports over HTTPS too. The origin has its own private CA, given as `upstream_ca`."""

from __future__ import annotations

import datetime
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from harness.config.farm import WebDeviceSpec
from harness.config.scenario import Scenario
from harness.devices.web.device import WebDevice
from harness.run import execute_run

pytestmark = pytest.mark.e2e
HOST = "secure.demo.test"
PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>安全页面</title></head>
<body><h1>安全页面</h1><button onclick="navigator.geolocation.getCurrentPosition(() => {})">定位</button>
<script>navigator.geolocation.getCurrentPosition(() => {});</script></body></html>""".encode()


def make_origin_certs(folder: Path) -> tuple[Path, Path, Path]:
    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Fingertip test origin CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_path, cert_path, key_path = folder / "origin-ca.pem", folder / "origin.pem", folder / "origin.key"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return ca_path, cert_path, key_path


class Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args: object) -> None:
        return


class Origin(ThreadingHTTPServer):
    def server_bind(self) -> None:  # no getfqdn(): no reverse DNS lookup
        import socketserver

        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]


def test_https_app_loads_through_the_capture_ca(tmp_path: Path) -> None:
    ca, cert, key = make_origin_certs(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    origin = Origin(("127.0.0.1", 0), Page)
    origin.socket = context.wrap_socket(origin.socket, server_side=True)
    threading.Thread(target=origin.serve_forever, daemon=True).start()
    port = origin.server_address[1]
    scenario = Scenario.model_validate({
        "path": tmp_path / "https.yaml", "id": "https-demo", "name": "HTTPS 演示", "platform": "web",
        "entry": f"https://{HOST}:{port}/", "hosts": {HOST: ["127.0.0.1"]}, "upstream_ca": str(ca),
        "explore": {"budget_s": 5, "max_actions": 2, "dwell_s": 1},
    }, context={"path": tmp_path / "https.yaml"})
    try:
        with WebDevice(WebDeviceSpec(id="web-https", headless=True), tmp_path) as device:
            observations = execute_run(scenario, device, tmp_path / "sweep", "https-test")
    finally:
        origin.shutdown()
    page = [f for f in observations.flows if f.host == HOST and f.path == "/"]
    assert page and page[0].status == 200, [(f.url, f.status, f.error) for f in observations.flows]
    assert "安全页面" in observations.screens[0].screen["texts"]
    kinds = {e.kind for e in observations.hook_events}
    assert "geolocation-result" in kinds  # the hook sink was reached over HTTPS as well
