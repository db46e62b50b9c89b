"""The HTTP layer: a threaded stdlib server on loopback, keep-alive with a Content-Length on every
answer, no Nagle delay, quiet. It records each API call before writing the answer, and carries
out the transport faults (drop, truncated body, held request)."""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Optional, Set

from socialfetch_emulator.api import Call, parse_call
from socialfetch_emulator.envelopes import Reply, error
from socialfetch_emulator.requests_log import RequestLog, ServedRequest

ApiRoutes = Callable[[Call], Reply]
AdminRoutes = Callable[[str, str, bytes], Reply]  # (method, raw path, body)

ADMIN_PREFIX = "/_emulator/"
IDLE_TIMEOUT_S = 120  # an idle keep-alive connection is closed after this long


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # well above any client's concurrency: the default 5 drops connections
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], api: ApiRoutes, admin: AdminRoutes, log: RequestLog,
                 stopping: threading.Event) -> None:
        """Serves `api` for /v1 (each call logged in `log`) and `admin` for /_emulator/; `stopping`
        releases held and sleeping requests."""
        self.api, self.admin, self.log, self.stopping = api, admin, log, stopping
        self._connections: Set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, Handler)

    def track(self, connection: socket.socket, open_: bool) -> None:
        with self._connections_lock:
            (self._connections.add if open_ else self._connections.discard)(connection)

    def close_connections(self) -> None:
        """Hang up on keep-alive clients so no handler thread outlives stop()."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else ~40 ms stalls per keep-alive request
    server_version = "SocialFetchEmulator/1.0"
    sys_version = ""
    timeout = IDLE_TIMEOUT_S
    server: EmulatorServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # the stdlib's signature
        """Quiet: the request log is the record, not stderr."""

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        started = time.monotonic()
        body = self._read_body()
        if self.path.startswith(ADMIN_PREFIX):
            self._write(self.server.admin(self.command, self.path, body))
            return
        call = parse_call(self.command, self.path, self.headers.get("x-api-key"))
        try:
            reply = self.server.api(call)
        except Exception:  # an emulator bug: answer like the API would, and say so loudly
            traceback.print_exc(file=sys.stderr)
            reply = error(500, "internal_error", "emulator error", "req_emulator_error")
        self.server.log.add(ServedRequest(
            route=call.route, method=call.method, path=call.path, raw_path=call.raw_path, handle=call.handle,
            query=call.query, status=reply.status, credits=reply.credits, fault=reply.fault, started=started,
            duration=time.monotonic() - started, request_id=reply.request_id, api_key=call.api_key, tick=reply.tick,
        ))
        self._write(reply)

    def _write(self, reply: Reply) -> None:
        if reply.transport in ("drop", "timeout"):
            if reply.transport == "timeout":
                self.server.stopping.wait(reply.hold_seconds)
            self.close_connection = True  # hang up without a status line
            return
        declared: Optional[int] = None
        sent = reply.body
        if reply.transport == "truncated":
            declared = len(reply.body) + 4096
            sent = reply.body[: len(reply.body) // 2]
            self.close_connection = True
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(declared if declared is not None else len(reply.body)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(sent)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
