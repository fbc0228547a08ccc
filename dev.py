#!/usr/bin/env python3
"""One entry point for developers, standard library only (any Python 3.11+ on a bare machine).

    python3 dev.py run [--port 8000] [--latency-ms 50]   the bot + Redis + LINE simulator
    python3 dev.py test [pytest args...]                 ruff, mypy and pytest
    python3 dev.py bench NAME [args...]                  python -m bench.NAME

Each command first makes `.venv` and installs requirements-dev.txt into it, skipping the
install when a stamp shows the requirements have not changed since the last one.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
REQUIREMENTS = ("requirements-dev.txt", "requirements.txt")
STAMP = VENV / ".requirements.sha256"
# Checked by mypy even if pyproject's list does not name them yet.
MIN_PYTHON = (3, 11)


def say(text: str) -> None:
    print(f"dev.py: {text}", flush=True)


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def requirements_digest() -> str:
    digest = hashlib.sha256(f"{sys.version_info[:2]}".encode())
    for name in REQUIREMENTS:
        path = ROOT / name
        if path.exists():
            digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def ensure_venv() -> Path:
    """Create .venv and install the requirements when they changed; return its python."""
    python = venv_python()
    if not python.exists():
        say("creating .venv")
        try:
            venv.EnvBuilder(with_pip=True, clear=VENV.exists()).create(VENV)
        except (OSError, subprocess.CalledProcessError) as exc:
            sys.exit(
                f"dev.py: cannot create .venv ({exc}); on Debian/Ubuntu: apt-get install "
                "python3-venv"
            )
    wanted = requirements_digest()
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        return python
    say("installing requirements-dev.txt into .venv")
    started = time.monotonic()
    command = [str(python), "-m", "pip", "install", "-qq", "--disable-pip-version-check"]
    result = subprocess.run([*command, "-r", str(ROOT / REQUIREMENTS[0])], check=False)
    if result.returncode != 0:
        sys.exit(f"dev.py: pip install failed (exit {result.returncode})")
    STAMP.write_text(wanted + "\n")
    say(f"installed in {time.monotonic() - started:.0f}s")
    return python


def run_step(name: str, command: list[str]) -> bool:
    started = time.monotonic()
    say(f"{name} …")
    code = subprocess.run(command, cwd=ROOT, check=False).returncode
    verdict = "ok" if code == 0 else f"FAILED (exit {code})"
    say(f"{name}: {verdict} in {time.monotonic() - started:.1f}s")
    return code == 0


def cmd_test(python: Path, args: list[str]) -> int:
    results = {
        "ruff": run_step("ruff", [str(python), "-m", "ruff", "check", "--quiet", "."]),
        "mypy": run_step("mypy", [str(python), "-m", "mypy"]),
        # pytest exits 5 when it collected nothing: that counts as a failure here too.
        "pytest": run_step("pytest", [str(python), "-m", "pytest", *args]),
    }
    failed = [name for name, ok in results.items() if not ok]
    say("all passed" if not failed else f"failed: {', '.join(failed)}")
    return 1 if failed else 0


def cmd_bench(python: Path, args: list[str]) -> int:
    names = sorted(
        p.stem
        for p in (ROOT / "bench").glob("*.py")
        if not p.stem.startswith("_") and "__main__" in p.read_text(encoding="utf-8")
    )
    if not args or args[0] not in names:
        say(f"usage: python3 dev.py bench NAME [args]; NAME is one of: {', '.join(names)}")
        return 2
    return subprocess.run(
        [str(python), "-m", f"bench.{args[0]}", *args[1:]], cwd=ROOT, check=False
    ).returncode


def main(argv: list[str]) -> int:
    if sys.version_info < MIN_PYTHON:
        say(f"needs Python {'.'.join(map(str, MIN_PYTHON))}+, this is {sys.version.split()[0]}")
        return 2
    if not argv or argv[0] not in ("run", "test", "bench"):
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    python = ensure_venv()
    os.chdir(ROOT)
    if command == "run":
        # exec: Ctrl-C and the exit status belong to the local run itself.
        os.execv(python, [str(python), "-m", "localdev", *rest])
    if command == "test":
        return cmd_test(python, rest)
    return cmd_bench(python, rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
