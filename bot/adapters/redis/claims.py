"""The claim types live in the domain (bot/domain/claims.py); re-exported for the adapters."""

from bot.domain.claims import *  # noqa: F403
from bot.domain.claims import Claim, Claimed, ClaimedLegacyTimer, ClaimedReminder, DeadLetter

__all__ = ["Claim", "Claimed", "ClaimedLegacyTimer", "ClaimedReminder", "DeadLetter"]
