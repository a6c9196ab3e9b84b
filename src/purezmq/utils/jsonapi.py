"""JSON to and from UTF-8 bytes (what ``send_json`` / ``recv_json`` put on the wire).

The standard library's :mod:`json` does the work; keyword arguments are passed on to
it, so ``dumps(obj, sort_keys=True)`` or ``loads(data, object_hook=...)`` work as
usual.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["dumps", "jsonmod", "loads"]

#: The JSON module in use (kept for code that inspects it, as pyzmq's tests do).
jsonmod = json


def dumps(o: object, **kwargs: Any) -> bytes:
    """Serialize ``o`` to JSON, encoded as UTF-8.

    Args:
        o: any object :func:`json.dumps` accepts.
        **kwargs: passed to :func:`json.dumps`.

    Returns:
        The JSON text as UTF-8 bytes.
    """
    return json.dumps(o, **kwargs).encode("utf-8")


def loads(s: bytes | bytearray | memoryview | str, **kwargs: Any) -> Any:
    """Parse JSON from UTF-8 bytes or text.

    Args:
        s: the JSON document (bytes-like objects are decoded as UTF-8).
        **kwargs: passed to :func:`json.loads`.

    Returns:
        The decoded object.
    """
    if not isinstance(s, str):
        s = bytes(s).decode("utf-8")
    return json.loads(s, **kwargs)
