"""The one place that keeps the API key out of everything the connector writes.

airbyte-cdk masks its secret list (`airbyte_secrets_utils.filter_secrets`) in LOG lines (its log
formatter), in TRACE errors (`as_sanitized_airbyte_message`, `emit_message`) and in a config
error's CONNECTION_STATUS, but not in what the entrypoint yields otherwise: a CONNECTION_STATUS
that `check` returns, RECORD, STATE and CATALOG lines. And it registers the key only as typed
in the config, only once `check`/`discover`/`read` start (after the catalog and state files were
read), and not in the spellings it takes on the way out (stripped, URL-encoded, JSON-escaped,
lower-cased).

So the console script runs the CDK's entrypoint through `launch` below, which
- registers every spelling of the key in the CDK's list as soon as the config is read, so the
  CDK's own masking (logs, traces) covers them, and
- passes every line the entrypoint yields (whichever serialiser wrote it, RECORD lines of
  `serialization.record_line` included) through the same `filter_secrets`, inside the JSON
  strings only, so a masked line stays a valid Airbyte message.
A line without the key costs one substring search per spelling.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Iterable, List, Mapping, Optional
from urllib.parse import quote

import orjson
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.logger import PRINT_BUFFER
from airbyte_cdk.sources import Source
from airbyte_cdk.utils.airbyte_secrets_utils import add_to_secrets, filter_secrets, get_secrets

_MASK = "****"


def key_spellings(secret: Any) -> List[str]:
    """The ways a secret can be written out: as typed, stripped, lower- or upper-case, URL- and JSON-encoded."""
    if not isinstance(secret, str) or not secret.strip():
        return []
    forms = {secret, secret.strip()}
    for form in list(forms):
        forms.update({form.lower(), form.upper(), quote(form, safe=""), json.dumps(form)[1:-1]})
    return sorted((f for f in forms if f), key=len, reverse=True)  # longest first: no partial masks


def shown(value: Any, limit: int = 60) -> str:
    """`repr` of an untrusted value for a message, masked BEFORE it is cut: a cut key would slip
    past any later masking."""
    return repr(filter_secrets(str(value))[:limit])


def mask_line(line: str) -> str:
    """The line with every registered secret replaced by ****, inside JSON strings only."""
    if filter_secrets(line) == line:
        return line
    try:
        message = json.loads(line)
    except ValueError:
        return filter_secrets(line)
    return orjson.dumps(_masked(message)).decode()


def _masked(value: Any) -> Any:
    # Iterative: a record may be nested far deeper than the recursion limit.
    root: List[Any] = [value]
    stack: List[tuple[Any, Any]] = [(root, 0)]
    while stack:
        container, key = stack.pop()
        item = container[key]
        if isinstance(item, str):
            container[key] = filter_secrets(item)
        elif isinstance(item, list):
            stack.extend((item, i) for i in range(len(item)))
        elif isinstance(item, dict):
            masked = {filter_secrets(k) if isinstance(k, str) else k: v for k, v in item.items()}
            container[key] = masked
            stack.extend((masked, k) for k in masked)
    return root[0]


class MaskingEntrypoint(AirbyteEntrypoint):
    """The CDK's entrypoint, with every spelling of the key registered as soon as it is known."""

    @staticmethod
    def set_up_secret_filter(config: Mapping[str, Any], connection_specification: Mapping[str, Any]) -> None:
        AirbyteEntrypoint.set_up_secret_filter(config, connection_specification)
        for secret in get_secrets(connection_specification, config):
            for form in key_spellings(secret):
                add_to_secrets(form)

    @staticmethod
    def validate_connection(source_spec: Any, config: Mapping[str, Any]) -> None:
        """Left to the source: `check` validates with `parse_config`, whose messages name the field
        ("lookback_window_days: 1e+308 is greater than the maximum of 365"). The CDK's entrypoint
        validates `check`'s config itself, whatever `check_config_against_spec` says, with a
        message that names no field. (`read` and `discover` honour the flag; this only reaches
        `check`.)"""

    def run(self, parsed_args: Any) -> Iterable[str]:
        config_path: Optional[str] = getattr(parsed_args, "config", None)
        if config_path:
            # Before the catalog and state files are read: their errors may quote their content.
            try:
                config = self.source.read_config(config_path)
            except Exception:  # noqa: BLE001 - the entrypoint reads it again and reports the problem
                config = None
            if config is not None:
                spec = self.source.spec(logging.getLogger("airbyte"))
                self.set_up_secret_filter(config, spec.connectionSpecification)
        yield from super().run(parsed_args)


def launch(source: Source, args: List[str]) -> None:
    """airbyte_cdk.entrypoint.launch, with every line masked on its way to stdout."""
    entrypoint = MaskingEntrypoint(source)
    parsed_args = entrypoint.parse_args(args)
    with PRINT_BUFFER:
        for line in entrypoint.run(parsed_args):
            print(f"{mask_line(line)}\n", end="")
