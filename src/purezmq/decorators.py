"""Decorators that give a function a fresh Context or Socket for the length of a call.

The decorated function gets the object as an extra argument and it is cleaned up when
the call returns (or raises): a context is terminated, a socket closed. This is the
decorator form of ``with zmq.Context() as ctx:`` / ``with ctx.socket(...) as s:``::

    from purezmq.decorators import context, socket

    @context()
    @socket(zmq.PUSH)
    def work(ctx, push):
        ...

Naming: the first positional argument of the decorator, if it is a string, or the
``name=`` keyword, names the keyword argument the object is passed as; without a name
it is appended to the positional arguments. Everything else is passed on to
:class:`~purezmq.Context` (``@context(io_threads=2)``) or to ``Context.socket``
(``@socket(zmq.SUB, socket_class=...)``).

A socket is made by the context found at call time: the keyword argument named by
``context_name=`` (default ``"context"``) if it holds a Context, else the first Context
among the positional arguments (so ``@context()`` above ``@socket()`` shares its
context), else ``Context.instance()``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Protocol, TypeVar, cast

__all__ = ["context", "socket"]

_F = TypeVar("_F", bound=Callable[..., object])


class _Decorator(Protocol):
    def __call__(self, func: _F) -> _F: ...


_Factory = Callable[..., AbstractContextManager[Any]]


def _split_name(
    args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[str | None, tuple[Any, ...], dict[str, Any]]:
    """Take the argument name out of the decorator's arguments (``name=`` wins)."""
    kwargs = dict(kwargs)
    name = kwargs.get("name")
    if isinstance(name, str):
        del kwargs["name"]
        return name, args, kwargs
    if args and isinstance(args[0], str):
        return args[0], args[1:], kwargs
    return None, args, kwargs


def _make_decorator(
    name: str | None,
    factory_for: Callable[[tuple[Any, ...], dict[str, Any]], _Factory],
    make_args: tuple[Any, ...],
    make_kwargs: dict[str, Any],
) -> _Decorator:
    def decorator(func: _F) -> _F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            factory = factory_for(args, kwargs)
            with factory(*make_args, **make_kwargs) as obj:
                if name is None:
                    args = (*args, obj)
                elif name in kwargs:
                    raise TypeError(
                        f"{getattr(func, '__name__', func)!s}() got multiple values for"
                        f" argument '{name}'"
                    )
                else:
                    kwargs[name] = obj
                return func(*args, **kwargs)

        return cast("_F", wrapper)

    return decorator


def context(*args: Any, **kwargs: Any) -> _Decorator:
    """Decorate a function to get a new :class:`~purezmq.Context`, terminated on return.

    Usage::

        @context()
        def f(ctx): ...

        @context("myctx", io_threads=2)
        def g(myctx): ...

    Args:
        *args: an optional argument name (str) first, then Context arguments.
        **kwargs: ``name=`` (the keyword argument to pass the context as), and
            Context keyword arguments.

    Returns:
        The decorator.
    """
    from purezmq.sync.context import Context

    name, ctx_args, ctx_kwargs = _split_name(args, kwargs)

    def factory_for(call_args: tuple[Any, ...], call_kwargs: dict[str, Any]) -> _Factory:
        return Context

    return _make_decorator(name, factory_for, ctx_args, ctx_kwargs)


def socket(*args: Any, **kwargs: Any) -> _Decorator:
    """Decorate a function to get a new socket, closed on return.

    Usage::

        @socket(zmq.PUSH)
        def f(push): ...

        @context()
        @socket("sub", zmq.SUB, context_name="ctx")
        def g(ctx, sub): ...

    Args:
        *args: an optional argument name (str) first, then ``Context.socket``
            arguments (the socket type).
        **kwargs: ``name=`` (the keyword argument to pass the socket as),
            ``context_name=`` (the keyword argument that may hold the context to use;
            default ``"context"``), and ``Context.socket`` keyword arguments.

    Returns:
        The decorator.
    """
    from purezmq.context_base import ContextBase
    from purezmq.sync.context import Context

    name, sock_args, sock_kwargs = _split_name(args, kwargs)
    context_name = sock_kwargs.pop("context_name", "context")

    def factory_for(call_args: tuple[Any, ...], call_kwargs: dict[str, Any]) -> _Factory:
        ctx = call_kwargs.get(context_name)
        if not isinstance(ctx, ContextBase):
            ctx = next((a for a in call_args if isinstance(a, ContextBase)), None)
        if ctx is None:
            ctx = Context.instance()
        return cast("_Factory", ctx.socket)

    return _make_decorator(name, factory_for, sock_args, sock_kwargs)
