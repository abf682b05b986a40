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

# The public names are server.py's own list, kept in one place.
from . import server as _server
from .server import *  # noqa: F403

__all__ = _server.__all__
