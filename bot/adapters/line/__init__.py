"""Every call to LINE's Messaging API, and nothing else calls it (tests/unit/test_architecture.py).

replies.py       the one reply client (ReplySender): the web's queued replies, the RQ jobs'
                 waited-for ones and the hand-off's; and the loading animation
pushes.py        the timer worker's pushes: pre-built bodies over http_pool.py, no SDK
sdk_calls.py     the RQ jobs' pushes and a broadcast's multicasts, through the SDK's models
quota.py         this month's quota and consumption (status, the timer worker's quota watch)
member_names.py  a group member's display name (cached in Redis)
rich_menu.py     the rich menu's calls (`python -m bot richmenu`)
outcomes.py      what an answer from LINE means: sent, refused, retry; a push's outcome
messages.py      a Reply as the SDK's message models; message_json.py the same as dicts,
                 written directly for the texts the bot sends most
http_pool.py     the keep-alive HTTP/1.1 pool; call_window.py a per-process call-rate window
"""
