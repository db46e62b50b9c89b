"""The connector's console script without its imports' cost: a server process per test process
imports the CDK and the connector once (about 2 s of CPU, which every start of the console script
pays), then forks one child per command, which runs the console script's own entry point
(`source_socialfetch_tiktok.run.run`) with the command's arguments, environment, working
directory and standard streams, and ends as the script's process would (its exit code; a signal
kills it as it kills the script). integration_tests/launcher.py runs the connector this way
unless asked for the installed script (`forked=False`: the tests of start-up itself, the command
as typed).

How: the test process sends the command and its three stream descriptors over a Unix socket
(SCM_RIGHTS); the server forks a keeper, which forks the command's process, sends back its pid,
waits for it and sends its exit status. The server stays single-threaded (nothing it imports
starts a thread; asserted), so each fork is a copy of one thread.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import runpy
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO, Any, Dict, List, Mapping, Optional, Sequence, Tuple

CONSOLE_SCRIPT = Path(sys.executable).parent / "source-socialfetch-tiktok"
ROOT = Path(__file__).resolve().parents[1]


# --- the server's side -------------------------------------------------------------------------

def _status_code(status: int) -> int:
    """Popen's returncode for a wait status: the exit code, or minus the signal that killed it."""
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def _run_command(request: Dict[str, Any], streams: Sequence[int]) -> None:
    """In the command's process: its streams, environment and directory, then the console
    script's entry point; the process ends as the interpreter would end it."""
    for target, fd in enumerate(streams):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = [request["script"], *request["args"]]
    # As a fresh interpreter has them, whatever the server's were.
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    code: Any = 0
    try:
        runpy.run_path(request["script"], run_name="__main__")
    except SystemExit as exit_:
        code = exit_.code
    except BaseException:  # noqa: BLE001 - what the interpreter does with an uncaught exception
        sys.excepthook(*sys.exc_info())
        code = 1
    # The interpreter's shutdown: non-daemon threads joined, atexit functions, streams flushed.
    threading._shutdown()  # type: ignore[attr-defined]
    atexit._run_exitfuncs()
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code & 0xFF)


def _keep(connection: socket.socket, request: Dict[str, Any], streams: List[int]) -> None:
    """In the keeper: fork the command's process, send its pid, wait for it, send its status."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    pid = os.fork()
    if pid == 0:
        connection.close()
        _run_command(request, streams)
    for fd in streams:
        os.close(fd)
    try:
        connection.sendall(f"{pid}\n".encode())
        _, status = os.waitpid(pid, 0)
        connection.sendall(f"{_status_code(status)}\n".encode())
    finally:
        os._exit(0)


def _reap(*_: Any) -> None:
    """Every keeper that has ended, waited for: so that its CPU, and its command's, is counted in
    the server's children, and the server's in the test process's (`/usr/bin/time` sees it)."""
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def _stop_serving(*_: Any) -> None:
    raise SystemExit(0)


def serve(path: str) -> None:
    from source_socialfetch_tiktok import console  # noqa: F401 - the CDK and the connector, imported once

    assert threading.active_count() == 1, f"the imports started threads: {threading.enumerate()}"
    signal.signal(signal.SIGCHLD, _reap)
    signal.signal(signal.SIGTERM, _stop_serving)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    print("ready", flush=True)
    try:
        while True:
            # stdin is a pipe from the test process: at its end (the test process ended, however it
            # ended), so does the server.
            if sys.stdin in select.select([listener, sys.stdin], [], [])[0]:
                break
            connection, _ = listener.accept()
            message, fds, _, _ = socket.recv_fds(connection, 1 << 20, 3)
            request = json.loads(message)
            if os.fork() == 0:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                listener.close()
                _keep(connection, request, fds)
            for fd in fds:
                os.close(fd)
            connection.close()
    finally:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        with contextlib.suppress(ChildProcessError):
            while True:
                os.wait()
        shutil.rmtree(Path(path).parent, ignore_errors=True)


# --- the test process's side -------------------------------------------------------------------

_server: Optional[Tuple[subprocess.Popen[bytes], str]] = None
_server_lock = threading.Lock()


def socket_path() -> str:
    """The socket of this process's server, started on first use."""
    global _server
    with _server_lock:
        if _server is None or _server[0].poll() is not None:
            directory = _directory()
            shutil.rmtree(directory, ignore_errors=True)
            directory.mkdir()
            path = str(directory / "socket")  # 108 bytes at most
            process = subprocess.Popen([sys.executable, "-m", "integration_tests.forkserver", path], cwd=str(ROOT),
                                       stdout=subprocess.PIPE, stdin=subprocess.PIPE)
            assert process.stdout is not None
            assert process.stdout.readline() == b"ready\n", "the fork server did not start"
            _server = (process, path)
            atexit.register(stop)
        return _server[1]


def stop() -> None:
    """This process's server stopped (the root conftest.py calls it when the session ends; atexit
    too, for a process that was no pytest)."""
    global _server
    with _server_lock:
        if _server is not None:
            _stop(*_server)
            _server = None


def _stop(process: subprocess.Popen[bytes], path: str) -> None:
    process.terminate()  # it waits for its keepers first
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    shutil.rmtree(Path(path).parent, ignore_errors=True)


def _request(path: str, script: Path, args: Sequence[str], env: Mapping[str, str], cwd: str,
             streams: Sequence[int]) -> Tuple[socket.socket, IO[bytes], int]:
    """Ask the server at `path` to run `script`: the connection, its answers and the command's pid."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.connect(path)
    request = {"script": str(script), "args": list(args), "env": dict(env), "cwd": cwd}
    socket.send_fds(connection, [json.dumps(request).encode()], list(streams))
    answers = connection.makefile("rb")
    return connection, answers, int(answers.readline())


class Forked:
    """`script` (the console script by default) in a process forked from the server: what
    launcher.run_connector uses of subprocess.Popen (stdout and stderr pipes)."""

    def __init__(self, args: Sequence[str], env: Mapping[str, str], cwd: str, script: Path = CONSOLE_SCRIPT) -> None:
        out_read, out_write = os.pipe()
        err_read, err_write = os.pipe()
        try:
            self._connection, self._answers, self.pid = _request(socket_path(), script, args, env, cwd,
                                                                 [0, out_write, err_write])
        finally:
            os.close(out_write)
            os.close(err_write)
        self.stdout: IO[bytes] = os.fdopen(out_read, "rb")
        self.stderr: IO[bytes] = os.fdopen(err_read, "rb")
        self.returncode: Optional[int] = None

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def wait(self, timeout: Optional[float] = None) -> int:
        if self.returncode is None:
            self._connection.settimeout(timeout)
            try:
                line = self._answers.readline()
            except TimeoutError:
                raise subprocess.TimeoutExpired(str(CONSOLE_SCRIPT), timeout or 0) from None
            finally:
                self._connection.settimeout(None)
            self.returncode = int(line)
            self._answers.close()
            self._connection.close()
        return self.returncode

    def poll(self) -> Optional[int]:
        if self.returncode is None:
            try:
                return self.wait(timeout=0.001)
            except subprocess.TimeoutExpired:
                return None
        return self.returncode

    def communicate(self, timeout: Optional[float] = None) -> Tuple[bytes, bytes]:
        """The rest of stdout and stderr once the process has ended (each read on a thread of its
        own, so neither pipe fills); subprocess.TimeoutExpired past `timeout` seconds."""
        found: Dict[str, bytes] = {}
        readers = [threading.Thread(target=lambda n=name, s=stream: found.__setitem__(n, s.read()), daemon=True)
                   for name, stream in (("out", self.stdout), ("err", self.stderr))]
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join(timeout)
            if reader.is_alive():
                raise subprocess.TimeoutExpired(str(CONSOLE_SCRIPT), timeout or 0)
        self.wait(timeout)
        self.stdout.close()
        self.stderr.close()
        return found["out"], found["err"]


def forward(script: str, server: str) -> None:
    """The body of a `forked_executable`: `script` run by the server with this process's arguments,
    environment, directory and streams; SIGTERM and SIGINT passed on to it; this process ends as it
    ended (its exit code, or killed by the same signal)."""
    connection, answers, pid = _request(server, Path(script), sys.argv[1:], os.environ, os.getcwd(),
                                        [0, 1, 2])
    def pass_on(received: int, _: Any) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, received)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, pass_on)
    code = int(answers.readline())
    if code < 0:
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    sys.exit(code)


def _directory() -> Path:
    """This process's server's directory: its socket and its `forked_executable`s."""
    return Path(tempfile.gettempdir()) / f"socialfetch-forkserver-{os.getpid()}"


def forked_executable(script: Path = CONSOLE_SCRIPT) -> Path:
    """An executable that runs `script` through this process's server (started if need be): for
    PyAirbyte's `local_executable` (socialfetch_local's `run_sync(executable=...)`). Starting it
    costs a Python start without imports, not the CDK's 2 s."""
    server = socket_path()
    path = _directory() / f"{hashlib.sha256(str(script).encode()).hexdigest()[:12]}-{script.name}"
    if not path.exists():
        path.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(ROOT)!r})\n"
                        f"from integration_tests.forkserver import forward\nforward({str(script)!r}, {server!r})\n")
        path.chmod(0o755)
    return path


if __name__ == "__main__":
    serve(sys.argv[1])
