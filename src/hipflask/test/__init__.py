"""Testing WSGI applications without a server (Werkzeug's ``werkzeug.test``).

- :mod:`.environ`: :class:`EnvironBuilder` turns test-client arguments (path, query, form,
  files, JSON, headers) into a WSGI environ; :func:`run_wsgi_app` calls an app on one.
- :mod:`.client`: :class:`Client` sends requests to a WSGI app, keeps cookies and follows
  redirects; responses are :class:`TestResponse`.

The framework's app-aware client and builder build on these in :mod:`hipflask.testing`.
"""

from __future__ import annotations

from .client import Client as Client
from .client import ClientRedirectError as ClientRedirectError
from .client import Cookie as Cookie
from .client import TestResponse as TestResponse
from .client import encode_multipart as encode_multipart
from .environ import EnvironBuilder as EnvironBuilder
from .environ import create_environ as create_environ
from .environ import run_wsgi_app as run_wsgi_app

__all__ = [
    "Client",
    "ClientRedirectError",
    "Cookie",
    "EnvironBuilder",
    "TestResponse",
    "create_environ",
    "encode_multipart",
    "run_wsgi_app",
]
