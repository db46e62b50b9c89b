"""The project's one loopback test server: it records every request it gets and answers what its
route says (a page, a redirect, a stall); `TlsRecorder` serves https with a self-signed
certificate. The unit tests' `loopback` fixture (unit_tests/conftest.py) starts these too."""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Tuple

Answer = Tuple[int, Mapping[str, str], bytes]  # status (0: hold the connection, no answer), headers, body


@dataclass
class SeenRequest:
    method: str
    path: str
    headers: Dict[str, str]  # names lower-cased
    at: float = field(default_factory=time.monotonic)


Route = Callable[[SeenRequest], Answer]
WHOAMI = (200, {"Content-Type": "application/json"},
          json.dumps({"data": {"user": {"id": "u1", "username": None, "email": None}},
                      "meta": {"requestId": "r", "creditsCharged": 0, "version": "v1"}}).encode())


class Recorder(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, answer: Route) -> None:
        self.answer = answer
        self.seen: List[SeenRequest] = []
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    @property
    def paths(self) -> List[str]:
        return [r.path for r in self.seen]

    def start(self) -> Recorder:
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def __enter__(self) -> Recorder:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else ~40 ms stalls per keep-alive request
    server: Recorder

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # the stdlib's name
        seen = SeenRequest("GET", self.path, {k.lower(): v for k, v in self.headers.items()})
        self.server.seen.append(seen)
        status, headers, body = self.server.answer(seen)
        if status == 0:  # stall: hold the connection without answering
            time.sleep(float(headers.get("hold", "5")))
            self.close_connection = True
            return
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def self_signed(directory: Path) -> Tuple[Path, Path]:
    """A certificate for 127.0.0.1 that no trust store knows."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class TlsRecorder(Recorder):
    def __init__(self, directory: Path, answer: Route = lambda seen: WHOAMI) -> None:
        super().__init__(answer)
        cert, key = self_signed(directory)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(cert), str(key))
        self.socket = context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.server_address[1]}"
