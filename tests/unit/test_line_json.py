"""The directly written message dicts are the SDK's own, key for key."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.line.message_json import message_dict
from bot.adapters.line.messages import to_line_message
from bot.domain.texts import Button, Reply

_text = st.text(max_size=30)
_buttons = st.builds(
    Button,
    label=_text,
    text=_text,
    data=st.one_of(st.just(""), st.text(min_size=1, max_size=400)),
    display_text=_text,
    picker=st.sampled_from(["", "", "date", "time", "datetime"]),
    initial=st.sampled_from(["", "2026-12-06T07:00", "2026-12-06"]),
    min=st.sampled_from(["", "2026-12-01T00:00"]),
    max=st.sampled_from(["", "2027-12-01T00:00"]),
)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=6000), buttons=st.lists(_buttons, max_size=15))
def test_same_as_the_sdk(text: str, buttons: list[Button]) -> None:
    reply = Reply(text, tuple(buttons))
    assert message_dict(reply) == to_line_message(reply).to_dict()


def test_flex_goes_through_the_sdk() -> None:
    flex = '{"type":"bubble","body":{"type":"box","layout":"vertical","contents":[]}}'
    reply = Reply("alt", (Button("a", text="b"),), flex_json=flex)
    assert message_dict(reply) == to_line_message(reply).to_dict()
