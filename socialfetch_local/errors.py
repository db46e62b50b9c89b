"""The one exception the CLI turns into a message and an exit code, never a traceback."""

from __future__ import annotations


class LocalSyncError(Exception):
    """A failure the user can act on (exit code 2: fix the config or destination; 1: the sync failed)."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code
