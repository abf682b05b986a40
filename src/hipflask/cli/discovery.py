"""Finding the application the ``hipflask`` command should load (part of ``flask.cli``).

``hipflask.cli`` re-exports everything here; import from there. The rules are Flask's:
``--app`` / ``HIPFLASK_APP`` take ``module``, ``module:name``, ``module:factory(args)``,
``path/to/file.py`` or ``package.module``; inside a module the app is ``app`` or
``application``, else the only Flask instance, else what ``create_app``/``make_app``
return.
"""

from __future__ import annotations

import ast
import inspect
import os
import re
import sys
import traceback
import typing as t
from types import ModuleType

import click

from ..app import Flask
from ..helpers import get_debug_flag, get_load_dotenv

if t.TYPE_CHECKING:
    from ..app import Flask


class NoAppException(click.UsageError):
    """The application could not be found or loaded.

    Differs from Flask in how it is shown: one ``Error: ...`` line on stderr, without
    click's usage lines, since the usage is not what went wrong. The exit status stays 2.
    """

    def show(self, file: t.IO[t.Any] | None = None) -> None:
        """Print ``Error: <message>`` on stderr."""
        click.secho(f"Error: {self.format_message()}", err=True, fg="red", file=file)


def _flask_class() -> type[Flask]:
    return Flask


def _called_with_wrong_args(f: t.Callable[..., t.Any]) -> bool:
    """Did the ``TypeError`` being handled come from the call itself (wrong arguments),
    rather than from inside *f*?"""
    tb = sys.exc_info()[2]
    try:
        while tb is not None:
            if tb.tb_frame.f_code is f.__code__:
                return False  # *f* was entered, so the arguments were accepted
            tb = tb.tb_next
        return True
    finally:
        del tb  # break the frame <-> traceback reference cycle


def find_best_app(module: ModuleType) -> Flask:
    """The application in *module*: ``app``/``application``, the only Flask instance, or
    the result of a ``create_app``/``make_app`` factory called without arguments."""
    flask_class = _flask_class()
    for attr_name in ("app", "application"):
        app = getattr(module, attr_name, None)
        if isinstance(app, flask_class):
            return app

    matches = [v for v in module.__dict__.values() if isinstance(v, flask_class)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise NoAppException(
            f"Detected multiple Flask applications in module '{module.__name__}'."
            f" Use '{module.__name__}:name' to specify the correct one."
        )

    for attr_name in ("create_app", "make_app"):
        factory = getattr(module, attr_name, None)
        if not inspect.isfunction(factory):
            continue
        try:
            app = factory()
        except TypeError as e:
            if not _called_with_wrong_args(factory):
                raise
            raise NoAppException(
                f"Detected factory '{attr_name}' in module '{module.__name__}', but could"
                f" not call it without arguments. Use '{module.__name__}:{attr_name}(args)'"
                " to specify arguments."
            ) from e
        if isinstance(app, flask_class):
            return app

    raise NoAppException(
        f"Failed to find Flask application or factory in module '{module.__name__}'."
        f" Use '{module.__name__}:name' to specify one."
    )


def _parse_app_name(app_name: str) -> tuple[str, list[t.Any], dict[str, t.Any]]:
    """Split ``name`` or ``name(literal args)`` without evaluating anything but literals."""
    try:
        expr = ast.parse(app_name.strip(), mode="eval").body
    except SyntaxError:
        raise NoAppException(
            f"Failed to parse {app_name!r} as an attribute name or function call."
        ) from None
    if isinstance(expr, ast.Name):
        return expr.id, [], {}
    if not isinstance(expr, ast.Call):
        raise NoAppException(f"Failed to parse {app_name!r} as an attribute name or function call.")
    if not isinstance(expr.func, ast.Name):
        raise NoAppException(f"Function reference must be a simple name: {app_name!r}.")
    try:
        args = [ast.literal_eval(arg) for arg in expr.args]
        kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in expr.keywords if kw.arg is not None}
    except ValueError:
        raise NoAppException(
            f"Failed to parse arguments as literal values: {app_name!r}."
        ) from None
    return expr.func.id, args, kwargs


def find_app_by_string(module: ModuleType, app_name: str) -> Flask:
    """The application named by *app_name* in *module*: an attribute, or a factory call
    with literal arguments such as ``create_app('dev')``."""
    name, args, kwargs = _parse_app_name(app_name)
    try:
        attr = getattr(module, name)
    except AttributeError as e:
        raise NoAppException(f"Failed to find attribute {name!r} in {module.__name__!r}.") from e

    if inspect.isfunction(attr):
        try:
            app = attr(*args, **kwargs)
        except TypeError as e:
            if not _called_with_wrong_args(attr):
                raise
            raise NoAppException(
                f"The factory {app_name!r} in module {module.__name__!r} could not be"
                " called with the specified arguments."
            ) from e
    else:
        app = attr

    if isinstance(app, _flask_class()):
        return app
    raise NoAppException(
        f"A valid Flask application was not obtained from '{module.__name__}:{app_name}'."
    )


def prepare_import(path: str) -> str:
    """Turn a file or package path into an importable module name, putting the directory
    that contains it first on ``sys.path``."""
    path = os.path.realpath(path)
    base, ext = os.path.splitext(path)
    if ext == ".py":
        path = base
    if os.path.basename(path) == "__init__":
        path = os.path.dirname(path)

    parts = []
    while True:  # climb out of the package: stop at the first dir without __init__.py
        path, name = os.path.split(path)
        parts.append(name)
        if not os.path.exists(os.path.join(path, "__init__.py")):
            break

    if sys.path[0] != path:
        sys.path.insert(0, path)
    return ".".join(reversed(parts))


def _is_missing_module(error: ImportError, module_name: str) -> bool:
    """True if *error* says *module_name* (or a parent package) does not exist, as opposed
    to an import failing inside the module."""
    missing = getattr(error, "name", None)
    if not isinstance(error, ModuleNotFoundError) or not missing:
        return False
    return module_name == missing or module_name.startswith(f"{missing}.")


def _flask_import_hint(error: ImportError) -> str:
    """A last line for an app that failed on ``import flask`` / ``import werkzeug``."""
    missing = getattr(error, "name", None) or ""
    root = missing.partition(".")[0]
    if root not in ("flask", "werkzeug"):
        return ""
    # Deferred: the drop-in package loads importlib.metadata, which only this error needs.
    from ..dropin import is_active

    where = "docs/migrating.rst lists where Werkzeug's names live in hipflask"
    if is_active():
        return (
            f"\nHint: this app imports {root}, and hipflask's drop-in mode has no equivalent"
            f" of {missing!r}; import it from hipflask instead ({where})."
        )
    return (
        f"\nHint: this app imports {root}: run it in drop-in mode (the 'hipflask' command"
        " switches it on; elsewhere put 'import hipflask.as_flask' first), or change the"
        f" import to hipflask ({where})."
    )


@t.overload
def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: t.Literal[True] = True
) -> Flask: ...


@t.overload
def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: t.Literal[False] = ...
) -> Flask | None: ...


def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: bool = True
) -> Flask | None:
    """Import *module_name* and find the app in it (see :func:`find_best_app`).

    A module that does not exist gives "Could not import ..."; an ``ImportError`` raised
    while the module runs is reported with its traceback. Flask tells the two apart by
    traceback depth; this looks at the missing module's name, which also holds when the
    module is found through a package's ``__init__``.
    """
    try:
        __import__(module_name)
    except ImportError as e:
        if not _is_missing_module(e, module_name):
            raise NoAppException(
                f"While importing {module_name!r}, an ImportError was raised:"
                f"\n\n{traceback.format_exc()}{_flask_import_hint(e)}"
            ) from None
        if raise_if_not_found:
            raise NoAppException(f"Could not import {module_name!r}.") from None
        return None

    module = sys.modules[module_name]
    shadow = _shadowing_file(module_name, module)
    if shadow is not None:
        raise NoAppException(_shadow_message(shadow))
    if app_name is None:
        return find_best_app(module)
    return find_app_by_string(module, app_name)


# The framework's own names (and the names the drop-in mode answers to): a project file
# called like one of them is not what ``import`` finds.
_FRAMEWORK_NAMES = ("hipflask", "flask", "werkzeug")


def _shadow_candidates(directory: str) -> list[str]:
    """Files or packages in *directory* named like the framework."""
    found = []
    for name in _FRAMEWORK_NAMES:
        module_file = os.path.join(directory, f"{name}.py")
        package = os.path.join(directory, name)
        if os.path.isfile(module_file):
            found.append(module_file)
        elif os.path.isfile(os.path.join(package, "__init__.py")):
            found.append(package)
    return found


def _shadowing_file(module_name: str, module: ModuleType) -> str | None:
    """The project file named *module_name* when importing that name gave the framework.

    ``--app hipflask`` (or ``flask`` in drop-in mode) imports hipflask itself, since it is
    already loaded; the user's ``hipflask.py`` next to it is never read.
    """
    if module_name.partition(".")[0] not in _FRAMEWORK_NAMES:
        return None
    if not getattr(module, "__name__", "").startswith("hipflask"):
        return None
    root = module_name.partition(".")[0]
    for path in _shadow_candidates(sys.path[0] if sys.path else os.getcwd()):
        if os.path.splitext(os.path.basename(path))[0] == root:
            return path
    return None


def _shadow_message(path: str) -> str:
    """Why a project file named like the framework breaks loading, and what to do."""
    name = os.path.splitext(os.path.basename(path))[0]
    return (
        f"'{path}' has the same name as the framework: 'import {name}' finds the framework,"
        " not this file (and in this folder the file hides the framework from your other"
        " modules). Rename it, for example to 'app.py'."
    )


# ---------------------------------------------------------------------------------------
# environment


def _is_running_from_reloader() -> bool:
    return os.environ.get("HIPFLASK_RUN_MAIN") == "true"


# ---------------------------------------------------------------------------------------
# the app the command line works on


class ScriptInfo:
    """What the command line knows about the app to load; ``load_app()`` loads it once.

    With no import path and no ``create_app``, looks for ``app.py`` then ``wsgi.py`` in the
    current directory (the order hipflask documents; Flask tries ``wsgi.py`` first), and
    only if such a file or package exists there.
    """

    def __init__(
        self,
        app_import_path: str | None = None,
        create_app: t.Callable[..., Flask] | None = None,
        set_debug_flag: bool = True,
        load_dotenv_defaults: bool = True,
    ) -> None:
        #: The ``--app`` value, if any.
        self.app_import_path = app_import_path
        #: A callable returning the app; wins over the import path.
        self.create_app = create_app
        #: Free-form data a custom command group may share with its commands.
        self.data: dict[t.Any, t.Any] = {}
        self.set_debug_flag = set_debug_flag
        #: Whether the default dotenv files should be loaded (``HIPFLASK_SKIP_DOTENV``).
        self.load_dotenv_defaults = get_load_dotenv(load_dotenv_defaults)
        self._loaded_app: Flask | None = None

    def load_app(self) -> Flask:
        """Load the app (once) and return it; ``NoAppException`` says what went wrong."""
        if self._loaded_app is not None:
            return self._loaded_app
        try:
            app = self._load_app()
        except NoAppException as e:
            # A project file named like the framework is a likely cause of any failure to
            # find the app (the app written in it is never imported): say so.
            shadows = _shadow_candidates(os.getcwd())
            if not shadows or "same name as the framework" in e.message:
                raise
            raise NoAppException(f"{e.message}\nHint: {_shadow_message(shadows[0])}") from None
        if self.set_debug_flag:
            app.debug = get_debug_flag()
        self._loaded_app = app
        return app

    def _load_app(self) -> Flask:
        app: Flask | None = None
        if self.create_app is not None:
            app = self.create_app()
        elif self.app_import_path:
            # "module:name", but the colon of a Windows drive ("C:\\app.py") is not a split.
            parts = re.split(r":(?![\\/])", self.app_import_path, maxsplit=1)
            name = parts[1] if len(parts) > 1 else None
            app = locate_app(prepare_import(parts[0]), name)
        else:
            for filename in ("app.py", "wsgi.py"):
                package = os.path.join(filename[:-3], "__init__.py")
                if not (os.path.isfile(filename) or os.path.isfile(package)):
                    continue
                app = locate_app(prepare_import(filename), None, raise_if_not_found=False)
                if app is not None:
                    break

        if app is None:
            raise NoAppException(
                "Could not locate a Flask application. Use the 'hipflask --app' option,"
                " 'HIPFLASK_APP' environment variable, or an 'app.py' or 'wsgi.py' file in"
                " the current directory."
            )
        return app


pass_script_info = click.make_pass_decorator(ScriptInfo, ensure=True)
