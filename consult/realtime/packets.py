"""The JSON codec of Socket.IO packets, as a module with dumps and loads (Flask-SocketIO's `json` option)."""

from __future__ import annotations

import json
import re
from typing import Any

from consult.services.text import has_surrogates


def dumps(obj: Any, *args: Any, **kwargs: Any) -> str:
    """json.dumps with Arabic, Tifinagh and accents as UTF-8, not \\uXXXX: about half the bytes for Arabic.

    A lone surrogate cannot travel as UTF-8: such a packet (no stored text holds one) stays escaped.
    """
    text = json.dumps(obj, *args, **{"ensure_ascii": False, **kwargs})
    return json.dumps(obj, *args, **kwargs) if has_surrogates(text) else text


# The event name that opens an event packet's array: '["post", ...'.
_EVENT_NAME = re.compile(r'\s*\[\s*"([A-Za-z_]{1,64})"')
TOO_DEEP = "too deep"


def loads(text: str | bytes, *args: Any, **kwargs: Any) -> Any:
    """json.loads, except that a payload nested thousands deep reaches its handler as a non-object.

    The parser gives up on "[[[[..." by RecursionError, which would surface as a traceback in the server log;
    the handler of the named event then refuses it like any other payload that is not an object.
    """
    try:
        return json.loads(text, *args, **kwargs)
    except RecursionError:
        match = _EVENT_NAME.match(text if isinstance(text, str) else text.decode(errors="replace"))
        # Without a readable event name the packet names no handler and is dropped.
        return [match.group(1) if match else "", TOO_DEEP]
