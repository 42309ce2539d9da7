"""The Socket.IO frames' JSON: Arabic travels as UTF-8, not as \\uXXXX escapes."""

import json

from socketio.packet import EVENT

from consult.extensions import socketio
from consult.realtime import packets

CARD = {"type": "item.created", "data": {"item": {"text": "غياب الإنارة العمومية", "author_name": "ⵜⴰⵎⴰⵣⵉⵖⵜ"}}}


def test_an_arabic_event_frame_carries_its_letters_and_is_smaller(app):
    frame = socketio.server.packet_class(EVENT, data=["event", CARD], namespace="/live").encode()
    assert "غياب الإنارة العمومية" in frame and "ⵜⴰⵎⴰⵣⵉⵖⵜ" in frame and "\\u" not in frame
    assert len(frame.encode()) < len(json.dumps(CARD, separators=(",", ":")).encode())  # escaped, as before
    assert packets.loads(frame[frame.index("[") :])[1] == CARD


def test_a_lone_surrogate_stays_escaped_so_the_frame_can_be_sent():
    text = packets.dumps({"text": "a\ud800b"})
    assert text == '{"text": "a\\ud800b"}'
    text.encode()  # UTF-8 would refuse a raw surrogate
