"""The drop-in mode's module table: which hipflask module stands for each ``flask`` and
``werkzeug`` module.

One entry per importable name. A name that is not here cannot be imported while the mode is
active (``ModuleNotFoundError`` naming it), so nothing silently stands in for a module
hipflask does not provide. When hipflask's layout changes (private modules moving into
packages), only the right-hand sides change.
"""

from __future__ import annotations

#: The Flask and Werkzeug releases whose behaviour hipflask mirrors; the drop-in mode
#: reports these versions (``importlib.metadata.version("flask")``, ``flask.__version__``).
FLASK_VERSION = "3.1.3"
WERKZEUG_VERSION = "3.1.8"

_DROPIN = "hipflask.dropin"

MODULES: dict[str, str] = {
    # -- flask ---------------------------------------------------------------------
    "flask": "hipflask",
    "flask.app": "hipflask.app",
    "flask.blueprints": "hipflask.blueprints",
    "flask.cli": "hipflask.cli",
    "flask.config": "hipflask.config",
    "flask.ctx": "hipflask.ctx",
    "flask.debughelpers": "hipflask.debughelpers",
    "flask.globals": "hipflask.globals",
    "flask.helpers": "hipflask.helpers",
    "flask.json": "hipflask.json",
    "flask.json.provider": "hipflask.json.provider",
    "flask.json.tag": "hipflask.json.tag",
    "flask.logging": "hipflask.logging",
    "flask.sessions": "hipflask.sessions",
    "flask.signals": "hipflask.signals",
    "flask.templating": "hipflask.templating",
    "flask.testing": "hipflask.testing",
    "flask.typing": "hipflask.typing",
    "flask.views": "hipflask.views",
    "flask.wrappers": "hipflask.wrappers",
    "flask.sansio": "hipflask.sansio",
    "flask.sansio.app": "hipflask.sansio.app",
    "flask.sansio.scaffold": "hipflask.sansio.scaffold",
    "flask.sansio.blueprints": "hipflask.blueprints",
    # -- werkzeug ------------------------------------------------------------------
    "werkzeug": f"{_DROPIN}.werkzeug_root",
    "werkzeug._internal": f"{_DROPIN}.werkzeug_internal",
    "werkzeug.datastructures": "hipflask.datastructures",
    "werkzeug.datastructures.accept": "hipflask.datastructures.accept",
    "werkzeug.datastructures.auth": "hipflask.datastructures.auth",
    "werkzeug.datastructures.cache_control": "hipflask.datastructures.cache_control",
    "werkzeug.datastructures.csp": "hipflask.datastructures.csp",
    "werkzeug.datastructures.etag": "hipflask.datastructures.etag",
    "werkzeug.datastructures.file_storage": "hipflask.datastructures.file_storage",
    "werkzeug.datastructures.headers": "hipflask.datastructures.headers",
    "werkzeug.datastructures.mixins": "hipflask.datastructures.mixins",
    "werkzeug.datastructures.range": "hipflask.datastructures.range",
    "werkzeug.datastructures.structures": "hipflask.datastructures.structures",
    "werkzeug.debug": "hipflask.debug",
    "werkzeug.debug.console": "hipflask.debug.console",
    "werkzeug.debug.repr": "hipflask.debug.repr",
    "werkzeug.debug.tbtools": "hipflask.debug.tbtools",
    "werkzeug.exceptions": "hipflask.exceptions",
    "werkzeug.formparser": "hipflask.formparser",
    "werkzeug.http": "hipflask.http",
    "werkzeug.local": "hipflask.local",
    "werkzeug.middleware": "hipflask.middleware",
    "werkzeug.middleware.dispatcher": "hipflask.middleware.dispatcher",
    "werkzeug.middleware.http_proxy": "hipflask.middleware.http_proxy",
    "werkzeug.middleware.lint": "hipflask.middleware.lint",
    "werkzeug.middleware.profiler": "hipflask.middleware.profiler",
    "werkzeug.middleware.proxy_fix": "hipflask.middleware.proxy_fix",
    "werkzeug.middleware.shared_data": "hipflask.middleware.shared_data",
    "werkzeug.routing": "hipflask.routing",
    "werkzeug.routing.converters": "hipflask.routing.converters",
    "werkzeug.routing.exceptions": "hipflask.routing.exceptions",
    "werkzeug.routing.map": "hipflask.routing.map",
    "werkzeug.routing.matcher": "hipflask.routing.matcher",
    "werkzeug.routing.rules": "hipflask.routing.rules",
    "werkzeug.sansio": f"{_DROPIN}.werkzeug_sansio",
    "werkzeug.sansio.http": "hipflask.http",
    "werkzeug.sansio.request": "hipflask.request",
    "werkzeug.sansio.response": "hipflask.response",
    "werkzeug.sansio.utils": "hipflask.wsgi",
    "werkzeug.security": "hipflask.security",
    "werkzeug.serving": "hipflask.serving",
    "werkzeug.test": "hipflask.test",
    "werkzeug.urls": "hipflask.urls",
    "werkzeug.user_agent": "hipflask.user_agent",
    "werkzeug.utils": "hipflask.utils",
    "werkzeug.wrappers": f"{_DROPIN}.werkzeug_wrappers",
    "werkzeug.wrappers.request": "hipflask.request",
    "werkzeug.wrappers.response": "hipflask.response",
    "werkzeug.wsgi": "hipflask.wsgi",
}

#: The top-level names the mode owns: every import below them goes through :data:`MODULES`.
ROOTS = ("flask", "werkzeug")
