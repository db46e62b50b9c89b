"""A destination slower than the source, then a cancel: the case in which a returning Python signal
handler loses records (source_socialfetch_tiktok/cancellation.py, docs/reliability.md "Cancel").

`SlowReader` starts a process with its stdout on a pipe it does not read, waits until the
process's main thread is blocked writing to that full pipe (Linux's /proc/PID/wchan says
`pipe_write`), optionally a little longer, sends the signal, and only then reads everything. So
the signal lands exactly where the loss happened, on every run, not by chance."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

BLOCKED_IN_PIPE_WRITE = "pipe_write"  # anon_pipe_write on newer kernels


def blocked_writing(pid: int, any_thread: bool = False) -> bool:
    """The process's main thread (or any of its threads) sleeps in a write to a pipe whose reader is
    behind. The CDK's print buffer is flushed by whichever thread writes past its interval, a
    worker's log line included; a Python signal handler only ever interrupts the main thread's."""
    paths = Path(f"/proc/{pid}/task").glob("*/wchan") if any_thread else [Path(f"/proc/{pid}/wchan")]
    for path in paths:
        try:
            if BLOCKED_IN_PIPE_WRITE in path.read_text():
                return True
        except OSError:
            continue
    return False


@dataclass
class Cancelled:
    """What a process wrote when cancelled under backpressure."""

    lines: List[bytes]  # stdout, split on newlines (a cut line has no newline only if it is last)
    returncode: int
    stderr: str
    blocked: bool  # the signal was sent while the process was blocked writing

    def messages(self) -> List[Dict[str, Any]]:
        return [json.loads(line) for line in self.lines]

    def cut_lines(self) -> List[bytes]:
        """Lines that are not one whole JSON message (a write cut short, or two joined)."""
        cut = []
        for line in self.lines:
            try:
                if not isinstance(json.loads(line), dict):
                    cut.append(line)
            except ValueError:
                cut.append(line)
        return cut


def cancel_while_blocked(argv: Sequence[str], *, sig: int = signal.SIGTERM, extra_pause: float = 0.0,
                         env: Optional[Mapping[str, str]] = None, cwd: Optional[Path] = None,
                         wait_blocked: float = 60.0, signal_to: Optional[int] = None) -> Cancelled:
    """Run `argv`, let it fill its stdout pipe, signal it once its main thread is blocked writing
    (and `extra_pause` later), then read all it writes. `signal_to`: the pid to signal (default the
    process started; the image's test signals through `docker stop` instead, see `stop`)."""
    process = subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(env) if env else None,
                               cwd=cwd)
    assert process.stdout is not None
    head = b""
    try:
        blocked = wait_until_blocked(process, wait_blocked, any_thread=True)  # the pipe is full
        time.sleep(extra_pause)
        # Take a little, so that the write blocked there moves on and blocks again in its middle: a
        # write cut there is what a returning handler loses the rest of.
        head = os.read(process.stdout.fileno(), 4096)
        blocked = blocked and wait_until_blocked(process, wait_blocked, any_thread=True)
        if process.poll() is None:
            os.kill(signal_to or process.pid, sig)
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return Cancelled((head + out).splitlines(), process.returncode, err.decode(errors="replace"), blocked)


def with_full_pipe(argv: Sequence[str], *, sig: int = signal.SIGTERM, env: Optional[Mapping[str, str]] = None,
                   wait_blocked: float = 60.0) -> Cancelled:
    """Run `argv` with stdout on a pipe this test filled to the brim beforehand, so that the
    command's first write blocks, whatever command it is; signal it there, then read everything
    (the filler is taken off the front)."""
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    filler = 0
    try:
        while True:
            filler += os.write(write_end, b"#" * 4096)
    except BlockingIOError:
        pass
    os.set_blocking(write_end, True)
    process = subprocess.Popen(list(argv), stdout=write_end, stderr=subprocess.PIPE, env=dict(env) if env else None)
    os.close(write_end)
    chunks: List[bytes] = []
    try:
        blocked = wait_until_blocked(process, wait_blocked)
        if process.poll() is None:
            process.send_signal(sig)
        with os.fdopen(read_end, "rb") as reading:
            data = reading.read()
        err = process.stderr.read() if process.stderr else b""
        process.wait(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    chunks.append(data[filler:])
    assert data[:filler] == b"#" * filler
    return Cancelled(b"".join(chunks).splitlines(), process.returncode, err.decode(errors="replace"), blocked)


def throttled(argv: Sequence[str], *, ready: Callable[[], bool], sig: int = signal.SIGTERM,
              bytes_per_second: int = 250_000, timeout: float = 120.0, env: Optional[Mapping[str, str]] = None,
              writer: Optional[Callable[[], Optional[int]]] = None, stop: Optional[Callable[[], Any]] = None,
              any_thread: bool = False) -> Cancelled:
    """Read `argv`'s stdout slowly (a destination behind the source), and cancel it once `ready()`
    and the writer's main thread (`any_thread`: any of its threads) is blocked writing right after a
    read freed part of the pipe; then read the rest at once. `writer`: the pid whose threads write
    (default the process started; the image's test passes the container's), `stop`: how to cancel
    (default: `sig` to the process)."""
    process = subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(env) if env else None)
    assert process.stdout is not None
    chunks: List[bytes] = []
    blocked = False
    deadline = time.monotonic() + timeout
    try:
        fd = process.stdout.fileno()
        while not blocked and time.monotonic() < deadline:
            chunk = os.read(fd, 16_384)
            if not chunk:
                break
            chunks.append(chunk)
            time.sleep(len(chunk) / bytes_per_second)
            pid = writer() if writer is not None else process.pid
            if pid and ready() and blocked_writing(pid, any_thread):
                blocked = True
                stop() if stop is not None else process.send_signal(sig)
        out, err = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return Cancelled((b"".join(chunks) + out).splitlines(), process.returncode, err.decode(errors="replace"), blocked)


def wait_until_blocked(process: subprocess.Popen[bytes], timeout: float, any_thread: bool = False) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if blocked_writing(process.pid, any_thread):
            return True
        time.sleep(0.01)
    return False
