"""hipflask: a fast, from-scratch WSGI micro-framework with Flask's API.

``from hipflask import Flask, request, ...`` gives the same names as ``from flask import``.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from . import json as json
from .app import Flask as Flask
from .blueprints import Blueprint as Blueprint
from .config import Config as Config
from .ctx import after_this_request as after_this_request
from .ctx import copy_current_request_context as copy_current_request_context
from .ctx import has_app_context as has_app_context
from .ctx import has_request_context as has_request_context
from .dropin._table import FLASK_VERSION as __flask_version__
from .dropin._table import WERKZEUG_VERSION as __werkzeug_version__
from .globals import current_app as current_app
from .globals import g as g
from .globals import request as request
from .globals import session as session
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

#: hipflask's own release. ``hipflask.__version__`` is this, except in drop-in mode
#: (:mod:`hipflask.as_flask`), where this module *is* ``flask`` and reports
#: ``__flask_version__``, the Flask release whose behaviour hipflask mirrors.
__hipflask_version__ = "0.1.0"


def __getattr__(name: str) -> str:
    if name == "__version__":
        from .dropin import is_active

        return __flask_version__ if is_active() else __hipflask_version__
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
]
