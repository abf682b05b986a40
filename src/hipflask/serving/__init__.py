"""The development server (Werkzeug's ``serving``): :func:`run_simple` and its parts.

One module per concern, from the wire up:

- :mod:`.streams`: request-body readers (fixed length, chunked) and the response writer;
- :mod:`.protocol`: one HTTP/1.1 connection (request line, headers, keep-alive, errors);
- :mod:`.server`: the socket servers, TLS helpers, start-up messages and :func:`run_simple`;
- :mod:`.reloader`: restarts the server process when a source file changes;
- :mod:`.log`: the request log lines and their colours.

It is for development only; deploy on a production server (see the README's "Deploying").
"""

from __future__ import annotations

from .protocol import WSGIRequestHandler as WSGIRequestHandler
from .server import BaseWSGIServer as BaseWSGIServer
from .server import DechunkedInput as DechunkedInput
from .server import ForkingWSGIServer as ForkingWSGIServer
from .server import ThreadedWSGIServer as ThreadedWSGIServer
from .server import generate_adhoc_ssl_context as generate_adhoc_ssl_context
from .server import generate_adhoc_ssl_pair as generate_adhoc_ssl_pair
from .server import get_interface_ip as get_interface_ip
from .server import get_sockaddr as get_sockaddr
from .server import is_running_from_reloader as is_running_from_reloader
from .server import is_ssl_error as is_ssl_error
from .server import load_ssl_context as load_ssl_context
from .server import make_server as make_server
from .server import make_ssl_devcert as make_ssl_devcert
from .server import run_simple as run_simple
from .server import select_address_family as select_address_family

__all__ = [
    "BaseWSGIServer",
    "DechunkedInput",
    "ForkingWSGIServer",
    "ThreadedWSGIServer",
    "WSGIRequestHandler",
    "generate_adhoc_ssl_context",
    "generate_adhoc_ssl_pair",
    "get_interface_ip",
    "get_sockaddr",
    "is_running_from_reloader",
    "is_ssl_error",
    "load_ssl_context",
    "make_server",
    "make_ssl_devcert",
    "run_simple",
    "select_address_family",
]
