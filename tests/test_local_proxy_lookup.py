"""LocalProxy's attribute lookup: public names forward directly (issue 12), nothing else moves.

Public names skip the proxy's own lookup; underscored names keep it, falling back to the
current object; subclasses keep the standard lookup so their own public names still work.
"""

from __future__ import annotations

import typing as t
from contextvars import ContextVar

import pytest

from hipflask.local import LocalProxy


class Target:
    def __init__(self) -> None:
        self.value = 1
        self._private = 2
        self.calls = 0

    @property
    def failing(self) -> t.Any:
        self.calls += 1
        raise AttributeError("failing is not available")

    def __repr__(self) -> str:
        return "<Target>"


def bound() -> tuple[Target, LocalProxy[t.Any]]:
    var: ContextVar[t.Any] = ContextVar("test_proxy")
    target = Target()
    var.set(target)
    return target, LocalProxy(var)


def test_public_and_private_names_forward() -> None:
    target, proxy = bound()
    assert proxy.value == 1
    assert proxy._private == 2
    proxy.value = 5
    assert target.value == 5
    assert proxy._get_current_object() is target
    assert isinstance(proxy.__wrapped__, ContextVar)
    assert proxy.__class__ is Target
    assert repr(proxy) == "<Target>"
    assert proxy.__repr__() == "<Target>"  # LocalProxy's own __repr__, forwarding


def test_missing_names_raise_the_targets_error_once() -> None:
    target, proxy = bound()
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        proxy.nope  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute '_nope'"):
        proxy._nope  # noqa: B018
    with pytest.raises(AttributeError, match="not available"):
        proxy.failing  # noqa: B018
    assert target.calls == 1  # evaluated once, not again by a fallback
    assert not hasattr(proxy, "nope")


def test_unbound_proxy_raises_runtime_error() -> None:
    var: ContextVar[t.Any] = ContextVar("unbound")
    proxy: LocalProxy[t.Any] = LocalProxy(var, unbound_message="nothing bound")
    with pytest.raises(RuntimeError, match="nothing bound"):
        proxy.value  # noqa: B018
    assert proxy.__class__ is LocalProxy


def test_subclass_public_names_stay_its_own() -> None:
    class Named(LocalProxy[t.Any]):
        label = "mine"

        def describe(self) -> str:
            return f"proxy of {self._get_current_object()!r}"

    var: ContextVar[t.Any] = ContextVar("sub")
    var.set(Target())
    proxy = Named(var)
    assert proxy.label == "mine"
    assert proxy.describe() == "proxy of <Target>"
    assert proxy.value == 1  # other names still forward
    assert isinstance(proxy.__wrapped__, ContextVar)
