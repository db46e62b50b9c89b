"""PyAirbyte reads its settings from the environment when it is imported, so they are set first."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from types import ModuleType
from typing import Optional

from socialfetch_local.errors import LocalSyncError


def prepare_environment(project_dir: Optional[Path] = None) -> None:
    """Offline, no telemetry, and PyAirbyte's files (logs, temp files) under `./.airbyte`.

    Offline mode is required even with a local executable: without it PyAirbyte fetches the
    connector registry first and fails. Values already set by the user win.
    """
    root = (project_dir or Path.cwd() / ".airbyte").absolute()
    os.environ.setdefault("AIRBYTE_OFFLINE_MODE", "1")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("AIRBYTE_PROJECT_DIR", str(root))
    os.environ.setdefault("AIRBYTE_LOGGING_ROOT", str(root / "logs"))
    os.environ.setdefault("AIRBYTE_TEMP_DIR", str(root / "tmp"))
    Path(os.environ["AIRBYTE_TEMP_DIR"]).mkdir(parents=True, exist_ok=True)


def import_airbyte() -> ModuleType:
    """Import PyAirbyte after `prepare_environment`, without the Google clients' Python-version notices."""
    prepare_environment()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        try:
            import airbyte
        except ImportError as error:
            raise LocalSyncError(
                f"PyAirbyte is not installed ({error}); install the local extra: pip install -e '.[local]'", exit_code=2
            ) from None
    return airbyte
