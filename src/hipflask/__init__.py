"""hipflask: a fast, from-scratch web micro-framework with Flask's API.

``from hipflask import Flask, request, ...`` gives the same names as ``from flask import``.

The names are resolved on first use (PEP 562 ``__getattr__``), not when the package is
imported: ``import hipflask.http`` or any other toolkit module then loads the toolkit alone,
without the framework, Jinja2 or blinker, as ``import werkzeug.http`` does without Flask.
``from hipflask import Flask`` loads what ``Flask`` needs at that line, once.
"""

from __future__ import annotations

import importlib
import sys
import typing as t

# The toolkit's request module is imported before the ``request`` proxy is bound: importing a
# submodule for the first time sets it as an attribute of its package, so loading
# ``hipflask.request`` later would otherwise replace the proxy with the module.
from . import request as _request_module  # noqa: F401
from ._version import __version__ as __hipflask_version__
from .globals import current_app as current_app
from .globals import g as g
from .globals import request as request
from .globals import session as session
from .globals import websocket as websocket

if t.TYPE_CHECKING:
    from markupsafe import Markup as Markup
    from markupsafe import escape as escape

    from . import json as json
    from .app import Flask as Flask
    from .blueprints import Blueprint as Blueprint
    from .config import Config as Config
    from .ctx import after_this_request as after_this_request
    from .ctx import copy_current_request_context as copy_current_request_context
    from .ctx import has_app_context as has_app_context
    from .ctx import has_request_context as has_request_context
    from .helpers import abort as abort
    from .helpers import flash as flash
    from .helpers import get_flashed_messages as get_flashed_messages
    from .helpers import get_template_attribute as get_template_attribute
    from .helpers import make_response as make_response
    from .helpers import redirect as redirect
    from .helpers import send_file as send_file
    from .helpers import send_from_directory as send_from_directory
    from .helpers import stream_with_context as stream_with_context
    from .helpers import url_for as url_for
    from .json import jsonify as jsonify
    from .signals import appcontext_popped as appcontext_popped
    from .signals import appcontext_pushed as appcontext_pushed
    from .signals import appcontext_tearing_down as appcontext_tearing_down
    from .signals import before_render_template as before_render_template
    from .signals import got_request_exception as got_request_exception
    from .signals import message_flashed as message_flashed
    from .signals import request_finished as request_finished
    from .signals import request_started as request_started
    from .signals import request_tearing_down as request_tearing_down
    from .signals import template_rendered as template_rendered
    from .templating import render_template as render_template
    from .templating import render_template_string as render_template_string
    from .templating import stream_template as stream_template
    from .templating import stream_template_string as stream_template_string
    from .wrappers import Request as Request
    from .wrappers import Response as Response

#: Public name -> (module, attribute); attribute None means the module itself.
_LAZY_NAMES: dict[str, tuple[str, str | None]] = {
    "Markup": ("markupsafe", "Markup"),
    "escape": ("markupsafe", "escape"),
    "json": ("json", None),
    "Flask": ("app", "Flask"),
    "Blueprint": ("blueprints", "Blueprint"),
    "Config": ("config", "Config"),
    "after_this_request": ("ctx", "after_this_request"),
    "copy_current_request_context": ("ctx", "copy_current_request_context"),
    "has_app_context": ("ctx", "has_app_context"),
    "has_request_context": ("ctx", "has_request_context"),
    "abort": ("helpers", "abort"),
    "flash": ("helpers", "flash"),
    "get_flashed_messages": ("helpers", "get_flashed_messages"),
    "get_template_attribute": ("helpers", "get_template_attribute"),
    "make_response": ("helpers", "make_response"),
    "redirect": ("helpers", "redirect"),
    "send_file": ("helpers", "send_file"),
    "send_from_directory": ("helpers", "send_from_directory"),
    "stream_with_context": ("helpers", "stream_with_context"),
    "url_for": ("helpers", "url_for"),
    "jsonify": ("json", "jsonify"),
    "appcontext_popped": ("signals", "appcontext_popped"),
    "appcontext_pushed": ("signals", "appcontext_pushed"),
    "appcontext_tearing_down": ("signals", "appcontext_tearing_down"),
    "before_render_template": ("signals", "before_render_template"),
    "got_request_exception": ("signals", "got_request_exception"),
    "message_flashed": ("signals", "message_flashed"),
    "request_finished": ("signals", "request_finished"),
    "request_started": ("signals", "request_started"),
    "request_tearing_down": ("signals", "request_tearing_down"),
    "template_rendered": ("signals", "template_rendered"),
    "render_template": ("templating", "render_template"),
    "render_template_string": ("templating", "render_template_string"),
    "stream_template": ("templating", "stream_template"),
    "stream_template_string": ("templating", "stream_template_string"),
    "Request": ("wrappers", "Request"),
    "Response": ("wrappers", "Response"),
    "__flask_version__": ("dropin._table", "FLASK_VERSION"),
    "__werkzeug_version__": ("dropin._table", "WERKZEUG_VERSION"),
}


def __getattr__(name: str) -> t.Any:
    if name == "__version__":
        # Never cached: in drop-in mode (hipflask.as_flask) this module *is* ``flask`` and
        # reports the Flask release whose behaviour it mirrors, as extensions expect.
        from .dropin import is_active  # the import machinery loads only when asked

        return __getattr__("__flask_version__") if is_active() else __hipflask_version__
    try:
        module_name, attribute = _LAZY_NAMES[name]
    except KeyError:
        raise AttributeError(f"module 'hipflask' has no attribute {name!r}") from None
    if module_name == "markupsafe":
        module = importlib.import_module(module_name)
    else:
        module = importlib.import_module(f"{__name__}.{module_name}")
    value = module if attribute is None else getattr(module, attribute)
    # Later lookups find the attribute and skip this function. (``globals`` here is the
    # hipflask.globals submodule, hence setattr on the module.)
    setattr(sys.modules[__name__], name, value)
    return value


def __dir__() -> list[str]:
    return sorted({*vars(sys.modules[__name__]), *_LAZY_NAMES})


__all__ = [  # noqa: RUF022 (the version names first, then the API)
    "__flask_version__",
    "__hipflask_version__",
    "__werkzeug_version__",
    "Blueprint",
    "Config",
    "Flask",
    "Markup",
    "Request",
    "Response",
    "abort",
    "after_this_request",
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "copy_current_request_context",
    "current_app",
    "escape",
    "flash",
    "g",
    "get_flashed_messages",
    "get_template_attribute",
    "got_request_exception",
    "has_app_context",
    "has_request_context",
    "json",
    "jsonify",
    "make_response",
    "message_flashed",
    "redirect",
    "render_template",
    "render_template_string",
    "request",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "send_file",
    "send_from_directory",
    "session",
    "stream_template",
    "stream_template_string",
    "template_rendered",
    "url_for",
    "websocket",
]
