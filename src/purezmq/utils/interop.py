"""Interoperability helpers: turning foreign address objects into ints."""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["cast_int_addr"]


def cast_int_addr(n: Any) -> int:
    """Return an address as a Python int.

    Accepts an int, or a CFFI pointer (``void *``) when :mod:`cffi` is installed.

    Args:
        n: the address.

    Returns:
        The address as an int.

    Raises:
        ValueError: ``n`` is neither an int nor a CFFI pointer.
    """
    if isinstance(n, int):
        return n
    try:
        cffi = importlib.import_module("cffi")
    except ImportError:
        pass
    else:
        ffi = cffi.FFI()
        if isinstance(n, ffi.CData):
            return int(ffi.cast("size_t", n))
    raise ValueError(f"Cannot cast {n!r} to int")
