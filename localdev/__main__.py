"""`python -m localdev`: the bot, Redis and the LINE simulator on this machine; Ctrl-C stops all."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable
from types import FrameType

from localdev.processes import Echo, ProcessFailedError
from localdev.stack import Stack
from localdev.wiring import BOT_VARIABLES

DEFAULT_SIM_PORT = 8000
_COLORS = ("cyan", "magenta", "green", "yellow", "blue", "bright_red", "bright_cyan")


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def make_echo(color: bool) -> tuple[Echo, Callable[[str], None]]:
    """A prefixed line printer for the processes' output and a plain one, sharing a lock so
    lines from different reader threads never interleave."""
    lock = threading.Lock()
    try:
        if not color:
            raise ImportError
        from rich.console import Console
        from rich.text import Text
    except ImportError:

        def plain(name: str, line: str) -> None:
            with lock:
                print(f"{name:>13} | {line}", flush=True)

        def say(text: str) -> None:
            with lock:
                print(text, flush=True)

        return plain, say

    console = Console(highlight=False, soft_wrap=True)
    styles: dict[str, str] = {}

    def fancy(name: str, line: str) -> None:
        style = styles.setdefault(name, _COLORS[len(styles) % len(_COLORS)])
        with lock:
            console.print(Text(f"{name:>13} | ", style=style) + Text.from_ansi(line))

    def rich_say(text: str) -> None:
        with lock:
            console.print(Text(text, style="bold"))

    return fancy, rich_say


def banner(stack: Stack) -> str:
    rule = "─" * 72
    lines = [rule, " LINE timer bot — local run", rule]
    if stack.sim_url:
        lines += [
            f" Chat page   {stack.sim_url}/   ← open this and send 10 (or ヘルプ)",
            f" Webhook     {stack.webhook_url}   (the simulator signs and posts here)",
        ]
    else:
        lines += [
            f" Webhook     {stack.webhook_url}",
            "             real LINE channel: expose it over HTTPS and set it in the console",
        ]
    redis_kind = "embedded, keeps nothing" if stack.redis else "given by REDIS_URL"
    lines += [
        f" Health      {stack.web_url}/healthz",
        f" Redis       {stack.redis_url}   ({redis_kind})",
        f" Logs        {stack.log_dir}/",
        " Ctrl-C stops everything.",
        rule,
    ]
    return "\n".join(lines)


def kill_all(stack: Stack) -> None:
    for proc in list(stack.procs.values()):
        if proc.alive:
            proc.kill()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m localdev", description=__doc__)
    parser.add_argument(
        "--port",
        type=int,
        help=f"the simulator's port (chat page); default {DEFAULT_SIM_PORT}, else any free one",
    )
    parser.add_argument(
        "--latency-ms", type=float, default=50.0, help="simulated LINE API latency (default 50)"
    )
    parser.add_argument("--no-color", action="store_true", help="plain output")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.port is not None and not port_is_free(args.port):
        print(f"localdev: port {args.port} is in use; pick another with --port", file=sys.stderr)
        return 2
    sim_port = args.port or (DEFAULT_SIM_PORT if port_is_free(DEFAULT_SIM_PORT) else 0)
    echo, say = make_echo(color=not args.no_color and sys.stdout.isatty())
    # Settings the person exported (their own Redis or LINE channel) are used as given.
    given = {k: v for k, v in os.environ.items() if k in BOT_VARIABLES and v}

    stopping = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    # SIGHUP: the terminal was closed; stop as cleanly as for Ctrl-C.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)

    stack = Stack(given, sim_port=sim_port, latency_ms=args.latency_ms, echo=echo)
    say("starting Redis, the LINE simulator and the Procfile processes…")
    try:
        stack.start()
    except (ProcessFailedError, RuntimeError, OSError) as exc:
        say(f"localdev: could not start: {exc}")
        return 1
    status = 0
    try:
        if not stopping.is_set():
            say(banner(stack))
        while not stopping.wait(0.5):
            dead = [p for p in stack.procs.values() if not p.alive]
            if dead:
                say(f"{dead[0].name} exited with {dead[0].returncode}; stopping the rest")
                status = 1
                break
    finally:
        # A second Ctrl-C while stopping skips the grace period.
        signal.signal(signal.SIGINT, lambda *_: kill_all(stack))
        say("stopping…")
        stack.stop()
        say("stopped.")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
