"""`python -m bot <command> ...`: the operator commands that need no running bot.

A command is a module of bot/entrypoints/commands/ with `HELP`, `add_arguments(parser)` and
`run(args) -> int`; register it in SUBCOMMANDS by name. Modules are imported only when their
command runs, so one command's imports (or settings) never burden another.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Protocol, cast

# name → module path. Add a line here to add a command.
SUBCOMMANDS: dict[str, str] = {
    "parse": "bot.entrypoints.commands.parse",
    "broadcast": "bot.entrypoints.commands.broadcast",
    "jobs": "bot.entrypoints.commands.jobs",
    "richmenu": "bot.entrypoints.commands.richmenu",
    "status": "bot.entrypoints.commands.status",
    "quota": "bot.entrypoints.commands.quota",
    "dead-letters": "bot.entrypoints.commands.ops",
    "requeue-dead": "bot.entrypoints.commands.ops",
    "export": "bot.entrypoints.commands.export",
    "import": "bot.entrypoints.commands.export",
}


class Subcommand(Protocol):
    HELP: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


def _load(name: str) -> Subcommand:
    return cast(Subcommand, importlib.import_module(SUBCOMMANDS[name]))


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = words[0] if words and words[0] in SUBCOMMANDS else None
    runs: dict[str, Callable[[argparse.Namespace], int]] = {}
    for name in SUBCOMMANDS:
        if chosen is not None and name != chosen:
            commands.add_parser(name)  # listed in the usage, not imported
            continue
        module = _load(name)
        sub = commands.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        runs[name] = module.run
    args = parser.parse_args(words)
    return runs[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
