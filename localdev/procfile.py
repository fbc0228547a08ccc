"""Reading the Procfile, so the local run starts exactly what the PaaS starts."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROCFILE = REPO / "Procfile"
_LINE = re.compile(r"^(?P<name>[A-Za-z0-9_-]+)\s*:\s*(?P<command>.+)$")


class ProcfileError(ValueError):
    """The Procfile is missing or has a line that is not `name: command`."""


def read_procfile(path: Path = PROCFILE) -> dict[str, str]:
    """Process type → command line, in file order."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProcfileError(f"cannot read {path}: {exc}") from exc
    commands: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise ProcfileError(f"{path}:{number}: not `name: command`: {line!r}")
        commands[match["name"]] = match["command"].strip()
    if not commands:
        raise ProcfileError(f"{path} defines no process")
    return commands
