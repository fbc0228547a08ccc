"""Command line: python -m linesim --port 8080 --webhook-url URL --channel-secret S ..."""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys

from linesim.config import (
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_BOT_USER_ID,
    DEFAULT_CHANNEL_SECRET,
    ConfigError,
    FaultConfig,
    SimConfig,
)
from linesim.server import run, serve


def _env(name: str, default: str) -> str:
    return os.environ.get(f"LINESIM_{name}", default)


def _attach_values(argv: list[str]) -> list[str]:
    """`--opt value` → `--opt=value`: every option here takes a value, and argparse would read a
    value starting with "-" (a random token such as "-x3Q…") as another option."""
    out: list[str] = []
    args = iter(argv)
    for arg in args:
        if arg.startswith("--") and "=" not in arg and arg not in ("--", "--help"):
            value = next(args, None)
            out.append(arg if value is None else f"{arg}={value}")
        else:
            out.append(arg)
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m linesim", description="Local LINE stand-in.")
    p.add_argument("--host", default=_env("HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(_env("PORT", "8080")), help="0: any free port")
    p.add_argument("--webhook-url", default=_env("WEBHOOK_URL", "http://127.0.0.1:5000/callback"))
    p.add_argument("--channel-secret", default=_env("CHANNEL_SECRET", DEFAULT_CHANNEL_SECRET))
    p.add_argument("--access-token", default=_env("ACCESS_TOKEN", DEFAULT_ACCESS_TOKEN))
    p.add_argument("--bot-user-id", default=_env("BOT_USER_ID", DEFAULT_BOT_USER_ID))
    p.add_argument("--latency-ms", type=float, default=float(_env("LATENCY_MS", "0")))
    p.add_argument("--faults", default=_env("FAULTS", ""), help="initial fault config as JSON")
    p.add_argument("--webhook-timeout-s", type=float, default=30.0)
    p.add_argument("--port-file", help="write the bound port here once listening")
    p.add_argument("--parent-pid", type=int, help="exit when this parent process goes away")
    p.add_argument("--cleanup-dir", help="delete this directory on exit if the parent is gone")
    p.add_argument("--log-level", default=_env("LOG_LEVEL", "INFO"))
    return p.parse_args(_attach_values(sys.argv[1:] if argv is None else argv))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    try:
        extra = json.loads(args.faults) if args.faults else {}
        faults = FaultConfig(latency_ms=args.latency_ms).updated(extra)
    except (ValueError, ConfigError) as exc:
        print(f"linesim: bad --faults: {exc}", file=sys.stderr)
        return 2
    config = SimConfig(
        webhook_url=args.webhook_url,
        channel_secret=args.channel_secret,
        access_token=args.access_token,
        bot_user_id=args.bot_user_id,
        faults=faults,
        webhook_timeout_s=args.webhook_timeout_s,
    )
    try:
        run(serve(config, args.host, args.port, args.port_file, args.parent_pid))
    except OSError as exc:
        print(f"linesim: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    finally:
        # A killed parent cannot remove the log directory it made for us, so we do.
        if args.cleanup_dir and args.parent_pid and os.getppid() != args.parent_pid:
            shutil.rmtree(args.cleanup_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
