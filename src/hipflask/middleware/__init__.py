"""WSGI middleware: wrap ``app.wsgi_app`` with these (the equivalent of ``werkzeug.middleware``)."""

from .dispatcher import DispatcherMiddleware
from .proxy_fix import ProxyFix
from .shared_data import SharedDataMiddleware

__all__ = ["DispatcherMiddleware", "ProxyFix", "SharedDataMiddleware"]
