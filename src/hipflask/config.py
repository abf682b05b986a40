"""Configuration: a dict of upper-case keys with loaders for files, objects and env vars."""

from __future__ import annotations

import errno
import json
import os
import types
import typing as t

from .utils import import_string

T = t.TypeVar("T")


class ConfigAttribute(t.Generic[T]):
    """An app attribute that reads and writes a config key (``app.secret_key``)."""

    def __init__(self, name: str, get_converter: t.Callable[[t.Any], T] | None = None) -> None:
        self.__name__ = name
        self.get_converter = get_converter

    def __get__(self, obj: t.Any, owner: t.Any = None) -> t.Any:
        if obj is None:
            return self
        value = obj.config[self.__name__]
        if self.get_converter is not None:
            value = self.get_converter(value)
        return value

    def __set__(self, obj: t.Any, value: t.Any) -> None:
        obj.config[self.__name__] = value


class Config(dict[str, t.Any]):
    """The app's configuration (``app.config``): a dict with loaders.

    Only upper-case keys are taken from files and objects, so helpers and imports in a
    config module are ignored. ``root_path`` anchors relative file names.
    """

    def __init__(
        self, root_path: str | os.PathLike[str], defaults: dict[str, t.Any] | None = None
    ) -> None:
        super().__init__(defaults or {})
        self.root_path = root_path

    def from_envvar(self, variable_name: str, silent: bool = False) -> bool:
        """Load the file named by the environment variable *variable_name*."""
        filename = os.environ.get(variable_name)
        if not filename:
            if silent:
                return False
            raise RuntimeError(
                f"The environment variable {variable_name!r} is not set, so no configuration"
                " file could be loaded. Set it to the path of a configuration file."
            )
        return self.from_pyfile(filename, silent=silent)

    def from_prefixed_env(
        self, prefix: str = "HIPFLASK", *, loads: t.Callable[[str], t.Any] = json.loads
    ) -> bool:
        """Load every ``HIPFLASK_*`` environment variable (prefix stripped).

        Values are parsed with *loads* (JSON by default) and kept as strings when that fails;
        ``HIPFLASK_A__B`` sets ``config["A"]["B"]``.

        .. note:: Differs from Flask: the default prefix is ``HIPFLASK``, not ``FLASK``. In
           drop-in mode (:mod:`hipflask.as_flask`) the default also reads ``FLASK_*``
           first, so an unmodified Flask app finds its variables; ``HIPFLASK_*`` wins.
        """
        # The drop-in machinery is not loaded just to read the environment.
        from .dropin import is_active

        prefixes = [f"{prefix}_"]
        if prefix == "HIPFLASK" and is_active():
            prefixes.insert(0, "FLASK_")
        names = sorted(os.environ)
        for prefix, key in [(p, k) for p in prefixes for k in names]:
            if not key.startswith(prefix):
                continue
            value: t.Any = os.environ[key]
            try:
                value = loads(value)
            except Exception:
                pass
            key = key.removeprefix(prefix)
            if "__" not in key:
                self[key] = value
                continue
            current: dict[str, t.Any] = self
            *parts, tail = key.split("__")
            for part in parts:
                current = current.setdefault(part, {})
            current[tail] = value
        return True

    def from_pyfile(self, filename: str | os.PathLike[str], silent: bool = False) -> bool:
        """Execute a Python file and load its upper-case names."""
        filename = os.path.join(self.root_path, filename)
        module = types.ModuleType("config")
        module.__file__ = filename
        try:
            with open(filename, mode="rb") as config_file:
                exec(compile(config_file.read(), filename, "exec"), module.__dict__)
        except OSError as e:
            if silent and e.errno in (errno.ENOENT, errno.EISDIR, errno.ENOTDIR):
                return False
            e.strerror = f"Unable to load configuration file ({e.strerror})"
            raise
        self.from_object(module)
        return True

    def from_object(self, obj: object | str) -> None:
        """Load the upper-case attributes of an object, class or module (or its import name)."""
        if isinstance(obj, str):
            obj = import_string(obj)
        for key in dir(obj):
            if key.isupper():
                self[key] = getattr(obj, key)

    def from_file(
        self,
        filename: str | os.PathLike[str],
        load: t.Callable[[t.IO[t.Any]], t.Mapping[str, t.Any]],
        silent: bool = False,
        text: bool = True,
    ) -> bool:
        """Load a file with *load* (``json.load``, ``tomllib.load`` with ``text=False``)."""
        filename = os.path.join(self.root_path, filename)
        try:
            with open(filename, "r" if text else "rb") as f:
                data = load(f)
        except OSError as e:
            if silent and e.errno in (errno.ENOENT, errno.EISDIR):
                return False
            e.strerror = f"Unable to load configuration file ({e.strerror})"
            raise
        return self.from_mapping(data)

    def from_mapping(self, mapping: t.Mapping[str, t.Any] | None = None, **kwargs: t.Any) -> bool:
        """Load the upper-case keys of *mapping* and *kwargs*."""
        values: dict[str, t.Any] = {}
        if mapping is not None:
            values.update(mapping)
        values.update(kwargs)
        for key, value in values.items():
            if key.isupper():
                self[key] = value
        return True

    def get_namespace(
        self, namespace: str, lowercase: bool = True, trim_namespace: bool = True
    ) -> dict[str, t.Any]:
        """The keys starting with *namespace* (e.g. ``"IMAGE_STORE_"``) as a dict."""
        result = {}
        for key, value in self.items():
            if not key.startswith(namespace):
                continue
            name = key[len(namespace) :] if trim_namespace else key
            result[name.lower() if lowercase else name] = value
        return result

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"
