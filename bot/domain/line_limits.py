"""LINE's limits that what the bot says must fit (FACTS.md, LINE's docs). Pure."""

from __future__ import annotations

# Message objects in one reply or push request.
MAX_MESSAGES_PER_REQUEST = 5
# The console's Verify button once sent these dummy reply tokens: never reply with them.
DUMMY_REPLY_TOKENS = frozenset({"0" * 32, "f" * 32})
