"""Context-local proxies (the part of ``werkzeug.local`` Flask uses).

``request``, ``session``, ``g`` and ``current_app`` are :class:`LocalProxy` objects: each
attribute access looks up the object bound to the current context (a ``ContextVar``), so the
same global name is safe across threads and asyncio tasks.
"""

from __future__ import annotations

import typing as t
from contextvars import ContextVar

T = t.TypeVar("T")


def _forward(name: str) -> t.Callable[..., t.Any]:
    """A proxy method that calls the dunder *name* on the current object."""

    def method(self: LocalProxy[t.Any], *args: t.Any) -> t.Any:
        return getattr(self._get_current_object(), name)(*args)

    method.__name__ = name
    return method


_object_getattribute = object.__getattribute__


def _getattr(proxy: LocalProxy[t.Any], name: str) -> t.Any:
    """What a name the proxy itself lacks resolves to: the current object's attribute."""
    if name == "__wrapped__":
        return _object_getattribute(proxy, "_LocalProxy__wrapped")
    return getattr(_object_getattribute(proxy, "_get_current_object")(), name)


class LocalProxy(t.Generic[T]):
    """Forwards every operation to the object the current context binds.

    ``LocalProxy(contextvar, name=None, unbound_message=None)``: the target is
    ``contextvar.get()``, or its attribute *name*. ``LocalProxy(callable)`` calls the function
    instead. Outside a context the proxy raises ``RuntimeError(unbound_message)``.
    ``isinstance(proxy, Target)`` is true, as in Werkzeug.
    """

    __slots__ = ("__wrapped", "_get_current_object")

    _get_current_object: t.Callable[[], T]

    def __init__(
        self,
        local: ContextVar[t.Any] | Local | LocalStack[t.Any] | t.Callable[[], T],
        name: str | None = None,
        *,
        unbound_message: str | None = None,
    ) -> None:
        message = unbound_message or "object is not bound"
        if isinstance(local, ContextVar):
            var = local
            missing = object()
            # A variable holding None counts as unbound too: the ASGI path resets the
            # context variables to None around a request (a ContextVar cannot be unset).
            if name is None:
                # (No typing.cast here or below: this runs on every proxy access, and a
                # cast is a real function call.)
                def _get_current_object() -> T:
                    obj: T = var.get(missing)
                    if obj is missing or obj is None:
                        raise RuntimeError(message)
                    return obj

            else:
                attr = name

                def _get_current_object() -> T:
                    obj = var.get(missing)
                    if obj is missing or obj is None:
                        raise RuntimeError(message)
                    value: T = getattr(obj, attr)
                    return value

        elif isinstance(local, (Local, LocalStack)):
            _get_current_object = _local_getter(local, name, message)
        elif callable(local):
            _get_current_object = local
        else:
            raise TypeError(f"Don't know how to proxy {type(local)!r}.")
        object.__setattr__(self, "_LocalProxy__wrapped", local)
        object.__setattr__(self, "_get_current_object", _get_current_object)

    # Attribute access --------------------------------------------------------------------

    def __getattribute__(self, name: str) -> t.Any:
        # Public names (request.args, g.user...) go straight to the current object. With the
        # default lookup plus __getattr__, each of them first searched the proxy's class and
        # slots, which hold no public name, and built and dropped an AttributeError before
        # __getattr__ ran: 0.4 µs per access, three times what the forwarding costs.
        # Underscored names (the proxy's own, _get_current_object, __class__, __dict__...)
        # keep the default lookup, then forward if it fails, as __getattr__ did. Subclasses
        # get the default lookup and _getattr back (__init_subclass__).
        if name[:1] != "_":
            return getattr(_object_getattribute(self, "_get_current_object")(), name)
        try:
            return _object_getattribute(self, name)
        except AttributeError:
            pass
        return _getattr(self, name)

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        # A subclass may define public names of its own, which the forwarding above would
        # hide: it gets the standard lookup, with the forwarding as its fallback.
        if cls.__getattribute__ is LocalProxy.__getattribute__:
            cls.__getattribute__ = _object_getattribute  # type: ignore[method-assign]
        if getattr(cls, "__getattr__", None) is None:
            cls.__getattr__ = _getattr  # type: ignore[attr-defined]

    def __setattr__(self, name: str, value: t.Any) -> None:
        setattr(self._get_current_object(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self._get_current_object(), name)

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        try:
            return type(self._get_current_object())
        except RuntimeError:
            return LocalProxy

    @property
    def __dict__(self) -> dict[str, t.Any]:  # type: ignore[override]
        return self._get_current_object().__dict__

    def __dir__(self) -> list[str]:
        try:
            return dir(self._get_current_object())
        except RuntimeError:
            return []

    def __repr__(self) -> str:
        try:
            return repr(self._get_current_object())
        except RuntimeError:
            return f"<{type(self).__name__} unbound>"

    def __str__(self) -> str:
        return str(self._get_current_object())

    def __bool__(self) -> bool:
        try:
            return bool(self._get_current_object())
        except RuntimeError:
            return False

    # Containers and comparisons -----------------------------------------------------------

    def __len__(self) -> int:
        return len(self._get_current_object())  # type: ignore[arg-type]

    def __iter__(self) -> t.Iterator[t.Any]:
        return iter(self._get_current_object())  # type: ignore[call-overload, no-any-return]

    def __contains__(self, item: object) -> bool:
        return item in self._get_current_object()  # type: ignore[operator]

    def __getitem__(self, key: t.Any) -> t.Any:
        return self._get_current_object()[key]  # type: ignore[index]

    def __setitem__(self, key: t.Any, value: t.Any) -> None:
        self._get_current_object()[key] = value  # type: ignore[index]

    def __delitem__(self, key: t.Any) -> None:
        del self._get_current_object()[key]  # type: ignore[attr-defined]

    def __call__(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        return self._get_current_object()(*args, **kwargs)  # type: ignore[operator]

    def __eq__(self, other: object) -> bool:
        return bool(self._get_current_object() == other)

    def __ne__(self, other: object) -> bool:
        return bool(self._get_current_object() != other)

    def __lt__(self, other: t.Any) -> bool:
        return bool(self._get_current_object() < other)

    def __le__(self, other: t.Any) -> bool:
        return bool(self._get_current_object() <= other)

    def __gt__(self, other: t.Any) -> bool:
        return bool(self._get_current_object() > other)

    def __ge__(self, other: t.Any) -> bool:
        return bool(self._get_current_object() >= other)

    def __hash__(self) -> int:
        return hash(self._get_current_object())

    # Arithmetic, bitwise and numeric conversions are forwarded too (as Werkzeug's proxy).
    __add__ = _forward("__add__")
    __radd__ = _forward("__radd__")
    __sub__ = _forward("__sub__")
    __rsub__ = _forward("__rsub__")
    __mul__ = _forward("__mul__")
    __rmul__ = _forward("__rmul__")
    __matmul__ = _forward("__matmul__")
    __rmatmul__ = _forward("__rmatmul__")
    __truediv__ = _forward("__truediv__")
    __rtruediv__ = _forward("__rtruediv__")
    __floordiv__ = _forward("__floordiv__")
    __rfloordiv__ = _forward("__rfloordiv__")
    __mod__ = _forward("__mod__")
    __rmod__ = _forward("__rmod__")
    __divmod__ = _forward("__divmod__")
    __rdivmod__ = _forward("__rdivmod__")
    __pow__ = _forward("__pow__")
    __rpow__ = _forward("__rpow__")
    __lshift__ = _forward("__lshift__")
    __rlshift__ = _forward("__rlshift__")
    __rshift__ = _forward("__rshift__")
    __rrshift__ = _forward("__rrshift__")
    __and__ = _forward("__and__")
    __rand__ = _forward("__rand__")
    __xor__ = _forward("__xor__")
    __rxor__ = _forward("__rxor__")
    __or__ = _forward("__or__")
    __ror__ = _forward("__ror__")
    __neg__ = _forward("__neg__")
    __pos__ = _forward("__pos__")
    __abs__ = _forward("__abs__")
    __invert__ = _forward("__invert__")
    __int__ = _forward("__int__")
    __float__ = _forward("__float__")
    __index__ = _forward("__index__")
    __complex__ = _forward("__complex__")
    __round__ = _forward("__round__")
    __aiter__ = _forward("__aiter__")
    __anext__ = _forward("__anext__")

    def __enter__(self) -> t.Any:
        return self._get_current_object().__enter__()  # type: ignore[attr-defined]

    def __exit__(self, *args: t.Any) -> t.Any:
        return self._get_current_object().__exit__(*args)  # type: ignore[attr-defined]

    def __format__(self, spec: str) -> str:
        return format(self._get_current_object(), spec)

    def __reduce_ex__(self, protocol: t.SupportsIndex) -> t.Any:
        return self._get_current_object().__reduce_ex__(protocol)


__all__ = ["Local", "LocalProxy", "LocalStack", "release_local"]


class Local:
    """Attributes whose values belong to the current context (thread or asyncio task).

    ``local = Local(); local.user = u`` is seen only by code running in the same context.
    Values live in one ``ContextVar`` holding a dict that is copied on write, so a context
    copied for a task keeps its values without sharing later changes. ``local("user")`` is
    a :class:`LocalProxy` to the attribute.
    """

    __slots__ = ("_Local__storage",)

    def __init__(self, context_var: ContextVar[dict[str, t.Any]] | None = None) -> None:
        if context_var is None:
            context_var = ContextVar(f"hipflask.Local<{id(self)}>.storage")
        object.__setattr__(self, "_Local__storage", context_var)

    def __iter__(self) -> t.Iterator[tuple[str, t.Any]]:
        return iter(self.__storage.get({}).items())

    def __call__(self, name: str, *, unbound_message: str | None = None) -> LocalProxy[t.Any]:
        """A proxy to the attribute *name* of this local."""
        return LocalProxy(self, name, unbound_message=unbound_message)

    def __release_local__(self) -> None:
        self.__storage.set({})

    def __getattr__(self, name: str) -> t.Any:
        values = self.__storage.get({})
        if name in values:
            return values[name]
        raise AttributeError(name)

    def __setattr__(self, name: str, value: t.Any) -> None:
        values = self.__storage.get({}).copy()
        values[name] = value
        self.__storage.set(values)

    def __delattr__(self, name: str) -> None:
        values = self.__storage.get({})
        if name not in values:
            raise AttributeError(name)
        values = values.copy()
        del values[name]
        self.__storage.set(values)


class LocalStack(t.Generic[T]):
    """A stack per context: ``push``, ``pop`` and ``top`` (None when empty).

    As with :class:`Local`, the list in the ``ContextVar`` is copied on every change.
    ``stack()`` is a proxy to the top object, ``stack("name")`` to one of its attributes.
    """

    __slots__ = ("_storage",)

    def __init__(self, context_var: ContextVar[list[T]] | None = None) -> None:
        if context_var is None:
            context_var = ContextVar(f"hipflask.LocalStack<{id(self)}>.storage")
        self._storage = context_var

    def __release_local__(self) -> None:
        self._storage.set([])

    def push(self, obj: T) -> list[T]:
        """Put *obj* on top; returns the new stack."""
        stack = [*self._storage.get([]), obj]
        self._storage.set(stack)
        return stack

    def pop(self) -> T | None:
        """Remove and return the top object (None if the stack is empty)."""
        stack = self._storage.get([])
        if not stack:
            return None
        self._storage.set(stack[:-1])
        return stack[-1]

    @property
    def top(self) -> T | None:
        """The top object, or None."""
        stack = self._storage.get([])
        return stack[-1] if stack else None

    def __call__(
        self, name: str | None = None, *, unbound_message: str | None = None
    ) -> LocalProxy[t.Any]:
        """A proxy to the top object (or its attribute *name*)."""
        return LocalProxy(self, name, unbound_message=unbound_message)


def release_local(local: Local | LocalStack[t.Any]) -> None:
    """Clear *local*'s values in the current context."""
    local.__release_local__()


def _local_getter(
    local: Local | LocalStack[t.Any], name: str | None, message: str
) -> t.Callable[[], t.Any]:
    """``_get_current_object`` for a proxy to a :class:`Local` or :class:`LocalStack`."""
    if isinstance(local, LocalStack):

        def get_top() -> t.Any:
            obj = local.top
            if obj is None:
                raise RuntimeError(message)
            return obj if name is None else getattr(obj, name)

        return get_top
    if name is None:
        raise TypeError("A proxy to a Local needs the attribute name.")
    attr = name

    def get_attr() -> t.Any:
        try:
            return getattr(local, attr)
        except AttributeError:
            raise RuntimeError(message) from None

    return get_attr
