"""linesim: a local stand-in for the LINE platform (Messaging API, webhooks, faults).

Start it with ``python -m linesim`` or ``linesim.process.start_simulator_process``; drive it with
``linesim.client.SimClient``. It never imports the bot.
"""

from __future__ import annotations

from linesim.client import SimClient, SimError
from linesim.config import DEMO_USER_ID, FaultConfig, SimConfig

__all__ = ["DEMO_USER_ID", "FaultConfig", "SimClient", "SimConfig", "SimError"]
