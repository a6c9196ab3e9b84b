"""jsonapi, strtypes, interop and win32: the small helpers pyzmq keeps in zmq.utils."""

from __future__ import annotations

import pytest

from purezmq.utils import interop, jsonapi, strtypes, win32


def test_jsonapi_round_trip_is_utf8_bytes() -> None:
    obj = {"a": [1, 2.5, None, True], "ü": "ñ"}
    data = jsonapi.dumps(obj)
    assert isinstance(data, bytes)
    assert "ñ".encode() in data or b"\\u00f1" in data
    assert jsonapi.loads(data) == obj
    assert jsonapi.loads(data.decode()) == obj
    assert jsonapi.loads(bytearray(data)) == obj
    assert jsonapi.jsonmod.loads(data) == obj


def test_jsonapi_passes_keyword_arguments() -> None:
    assert jsonapi.dumps({"b": 1, "a": 2}, sort_keys=True) == b'{"a": 2, "b": 1}'
    assert jsonapi.loads(b'{"x": 1}', object_hook=lambda d: sorted(d)) == ["x"]
    assert jsonapi.dumps("ü", ensure_ascii=False) == '"ü"'.encode()


def test_strtypes_casts_warn_deprecated() -> None:
    with pytest.warns(DeprecationWarning):
        assert strtypes.cast_bytes("é") == "é".encode()
    with pytest.warns(DeprecationWarning):
        assert strtypes.cast_bytes(b"x") == b"x"
    with pytest.warns(DeprecationWarning):
        assert strtypes.cast_unicode(b"\xc3\xa9") == "é"
    with pytest.warns(DeprecationWarning):
        assert strtypes.cast_unicode("x") == "x"
    with pytest.warns(DeprecationWarning):
        assert strtypes.cast_bytes("é", "latin-1") == b"\xe9"
    with pytest.warns(DeprecationWarning), pytest.raises(TypeError):
        strtypes.cast_bytes(5)  # type: ignore[arg-type]
    with pytest.warns(DeprecationWarning), pytest.raises(TypeError):
        strtypes.cast_unicode(5)  # type: ignore[arg-type]
    assert strtypes.b is strtypes.asbytes is strtypes.cast_bytes
    assert strtypes.u is strtypes.cast_unicode
    assert strtypes.unicode is str and strtypes.bytes is bytes
    assert strtypes.basestring == (str,)


def test_cast_int_addr() -> None:
    assert interop.cast_int_addr(1234) == 1234
    with pytest.raises(ValueError):
        interop.cast_int_addr("1234")


def test_allow_interrupt_is_a_no_op_context_manager_off_windows() -> None:
    called = []
    with win32.allow_interrupt(lambda: called.append(1)):
        pass
    with win32.allow_interrupt():
        pass
    assert called == []
