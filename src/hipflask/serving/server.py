"""The development server: :func:`run_simple` (the equivalent of ``werkzeug.serving``).

A threaded HTTP/1.1 server built on the standard library's ``socketserver``, for running an
application while developing it: keep-alive, chunked bodies both ways, TLS, IPv6 and Unix
sockets, the reloader and the debugger. It is not hardened for production traffic; deploy
behind a real WSGI server (gunicorn, waitress, ...).

The protocol work lives in :mod:`hipflask.serving.protocol`; this module holds the servers,
TLS helpers, start-up messages and :func:`run_simple`.
"""

from __future__ import annotations

import errno
import functools
import os
import platform
import signal
import socket
import socketserver
import stat
import sys
import threading
import typing as t
from collections.abc import Iterable
from contextvars import ContextVar
from http.server import HTTPServer

from .._version import __version__
from ..middleware.shared_data import SharedDataMiddleware
from .log import _ansi_style, _log
from .protocol import WSGIRequestHandler
from .streams import DechunkedInput, _ConnectionTracker

if t.TYPE_CHECKING:
    import ssl

    WSGIApplication = t.Callable[..., t.Iterable[bytes]]
    SSLContextArg = t.Union[ssl.SSLContext, tuple[str, str | None], t.Literal["adhoc"]]

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

LISTEN_QUEUE = 128
#: Environment variable carrying the listening socket's descriptor to the reloader's child.
SERVER_FD_ENV = "HIPFLASK_SERVER_FD"
#: Environment variable set to ``"true"`` in the process the reloader starts.
RUN_MAIN_ENV = "HIPFLASK_RUN_MAIN"
#: How whoever started the server picks another port, for the "address already in use"
#: error: only the caller knows whether that is the command line's ``--port`` or
#: ``app.run(port=...)``. Set it around :func:`run_simple` (``token = PORT_ADVICE.set(...)``).
PORT_ADVICE: ContextVar[str] = ContextVar(
    "hipflask.port_advice", default="pass another port to run_simple()"
)
can_fork = hasattr(os, "fork")
af_unix: socket.AddressFamily | None = getattr(socket, "AF_UNIX", None)


def is_running_from_reloader() -> bool:
    """True in the child process the reloader starts (``HIPFLASK_RUN_MAIN=true``).

    Werkzeug's equivalent reads ``WERKZEUG_RUN_MAIN``.
    """
    return os.environ.get(RUN_MAIN_ENV) == "true"


# ---------------------------------------------------------------------------------------
# TLS


def _require_cryptography() -> None:
    try:
        import cryptography  # noqa: F401
    except ImportError:
        raise TypeError(
            "Using ad-hoc certificates requires the cryptography library"
            " (pip install cryptography)."
        ) from None


def generate_adhoc_ssl_pair(cn: str | None = None) -> tuple[t.Any, t.Any]:
    """Create a throw-away self-signed certificate and its RSA key (needs ``cryptography``).

    Browsers warn about such certificates; they exist so HTTPS can be tried locally.
    """
    _require_cryptography()
    from datetime import datetime, timedelta, timezone

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cn = cn or "*"
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "hipflask development certificate"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )
    now = datetime.now(timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.ExtendedKeyUsage([x509.OID_SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(cn), x509.DNSName(f"*.{cn}")]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _pem_pair(cert: t.Any, key: t.Any) -> tuple[bytes, bytes]:
    from cryptography.hazmat.primitives import serialization

    return (
        cert.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(
            encoding=serialization.Encoding.PEM,
            format=serialization.PrivateFormat.TraditionalOpenSSL,
            encryption_algorithm=serialization.NoEncryption(),
        ),
    )


def make_ssl_devcert(
    base_path: str, host: str | None = None, cn: str | None = None
) -> tuple[str, str]:
    """Write a self-signed certificate to ``<base_path>.crt`` and its key to ``.key``.

    Reusing the pair across restarts avoids a new browser warning every time (``adhoc``
    makes a fresh one per start). Returns the two paths.
    """
    cert, key = generate_adhoc_ssl_pair(cn=host or cn)
    cert_pem, key_pem = _pem_pair(cert, key)
    cert_file, key_file = f"{base_path}.crt", f"{base_path}.key"
    with open(cert_file, "wb") as f:
        f.write(cert_pem)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key_pem)
    return cert_file, key_file


def generate_adhoc_ssl_context() -> ssl.SSLContext:
    """An ``SSLContext`` with a fresh self-signed certificate (needs ``cryptography``)."""
    import tempfile

    cert, key = generate_adhoc_ssl_pair()
    cert_pem, key_pem = _pem_pair(cert, key)
    # load_cert_chain only reads files; keep them private and remove them at once.
    with tempfile.TemporaryDirectory(prefix="hipflask-adhoc-") as tmp:
        cert_file = os.path.join(tmp, "cert.pem")
        key_file = os.path.join(tmp, "key.pem")
        with open(cert_file, "wb") as f:
            f.write(cert_pem)
        with open(key_file, "wb") as f:
            f.write(key_pem)
        return load_ssl_context(cert_file, key_file)


def load_ssl_context(
    cert_file: str, pkey_file: str | None = None, protocol: int | None = None
) -> ssl.SSLContext:
    """An ``SSLContext`` for serving, from a certificate file and its key file.

    *pkey_file* may be omitted when the key is in *cert_file*; *protocol* defaults to
    ``ssl.PROTOCOL_TLS_SERVER``.
    """
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if protocol is None else protocol)
    context.load_cert_chain(cert_file, pkey_file)
    return context


def is_ssl_error(error: BaseException | None = None) -> bool:
    """True if *error* (default: the exception being handled) is an ``ssl.SSLError``."""
    import ssl

    if error is None:
        error = sys.exc_info()[1]
    return isinstance(error, ssl.SSLError)


# ---------------------------------------------------------------------------------------
# addresses


def select_address_family(host: str, port: int) -> socket.AddressFamily:
    """``AF_UNIX`` for ``unix://path``, ``AF_INET6`` for a host containing ``:``, else ``AF_INET``."""
    if host.startswith("unix://"):
        if af_unix is None:
            raise ValueError("Unix sockets are not available on this platform.")
        return af_unix
    if ":" in host and socket.has_ipv6:
        return socket.AF_INET6
    return socket.AF_INET


def get_sockaddr(host: str, port: int, family: socket.AddressFamily) -> tuple[t.Any, ...] | str:
    """The address to ``bind`` for *host* and *port*: a path for Unix sockets, else a tuple."""
    if family == af_unix:
        # An absolute path avoids an IDNA error when the path starts with a dot.
        return os.path.abspath(host.partition("://")[2])
    try:
        infos = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    except socket.gaierror:
        return host, port
    return t.cast("tuple[t.Any, ...]", infos[0][4])


def get_interface_ip(family: socket.AddressFamily) -> str:
    """The address of the interface that routes outwards, shown for ``0.0.0.0`` / ``::``.

    No packet is sent: connecting a UDP socket only asks the kernel for a route.
    """
    target = "fd31:f903:5ab5:1::1" if family == socket.AF_INET6 else "10.253.155.219"
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        try:
            s.connect((target, 58162))
        except OSError:
            return "::1" if family == socket.AF_INET6 else "127.0.0.1"
        return str(s.getsockname()[0])


def _display_address(host: str, port: int) -> str:
    if host.startswith("unix://"):
        return host
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _exit_on_bind_error(error: OSError, host: str, port: int) -> t.NoReturn:
    """Explain a failed bind in one line and exit with status 1 (no traceback)."""
    where = _display_address(host, port)
    if error.errno == errno.EADDRINUSE:
        message = (
            f"Address {where} is already in use by another program. Stop that program,"
            f" or {PORT_ADVICE.get()}."
        )
        if sys.platform == "darwin" and port == 5000:
            message += " On macOS, try disabling 'AirPlay Receiver' in System Settings."
    elif isinstance(error, socket.gaierror):
        message = f"Cannot resolve the host {host!r}: {error.strerror}."
    else:
        message = f"Cannot listen on {where}: {error.strerror or error}."
    print(f"Error: {message}", file=sys.stderr)
    sys.exit(1)


# ---------------------------------------------------------------------------------------
# servers


class BaseWSGIServer(HTTPServer):
    """A WSGI server that handles one connection at a time (use :func:`make_server`).

    Unlike Werkzeug's, a TLS handshake happens in the connection's handler, not in the
    accept loop, so a client that stalls mid-handshake cannot block the server, and a
    stale Unix socket is only removed when the path really is a socket.
    """

    multithread = False
    multiprocess = False
    request_queue_size = LISTEN_QUEUE
    allow_reuse_address = True

    def __init__(
        self,
        host: str,
        port: int,
        app: WSGIApplication,
        handler: type[WSGIRequestHandler] | None = None,
        passthrough_errors: bool = False,
        ssl_context: SSLContextArg | None = None,
        fd: int | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.app = app
        self.passthrough_errors = passthrough_errors
        self._unix_path: str | None = None
        self._tracker = _ConnectionTracker()
        self._serving = False
        self.address_family = family = select_address_family(host, port)
        server_address = get_sockaddr(host, int(port), family)
        super().__init__(
            t.cast(t.Any, server_address), handler or WSGIRequestHandler, bind_and_activate=False
        )
        if fd is None:
            self._bind(family, server_address, host, port)
        else:
            self.socket.close()  # the one TCPServer opened; use the inherited descriptor
            self.socket = socket.socket(fileno=fd)
            self.server_address = self.socket.getsockname()
        if family != af_unix:
            self.port = self.server_address[1]
        self.ssl_context = _make_ssl_context(ssl_context)
        self._server_version = f"hipflask/{__version__} Python/{platform.python_version()}"

    def _bind(self, family: socket.AddressFamily, address: t.Any, host: str, port: int) -> None:
        if family == af_unix:
            _remove_stale_unix_socket(address)
        try:
            self.server_bind()
            self.server_activate()
        except OSError as e:
            self.server_close()
            _exit_on_bind_error(e, host, port)
        except BaseException:
            self.server_close()
            raise
        if family == af_unix:
            self._unix_path = address

    def verify_request(self, request: t.Any, client_address: t.Any) -> bool:
        # Runs in the accept loop for every connection (process_request is replaced by
        # the threading mix-in), paired with shutdown_request below.
        """Count the accepted connection for a graceful stop; accepts all."""
        if not self.multiprocess:  # a forked handler cannot report back
            self._tracker.opened()
        return True

    def shutdown_request(self, request: t.Any) -> None:
        """Close the connection and uncount it."""
        try:
            super().shutdown_request(request)
        finally:
            if not self.multiprocess:
                self._tracker.closed()

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn) that can stall start-up.
        """Bind without the reverse DNS lookup ``HTTPServer`` does."""
        socketserver.TCPServer.server_bind(self)
        self.server_name = self.host
        self.server_port = self.port

    def server_close(self) -> None:
        """Close the listening socket and remove the Unix socket file we created."""
        super().server_close()
        if self._unix_path is not None:
            try:
                os.unlink(self._unix_path)
            except OSError:
                pass
            self._unix_path = None

    def log(self, type: str, message: str, *args: t.Any) -> None:
        """Log through the ``hipflask.serving`` logger."""
        _log(type, message, *args)

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Serve until interrupted (Ctrl+C, or SIGTERM under :func:`run_simple`)."""
        self._serving = True
        try:
            super().serve_forever(poll_interval=poll_interval)
        except KeyboardInterrupt:
            pass
        finally:
            self._serving = False
            self.server_close()

    def stop_gracefully(self, timeout: float = 3.0) -> bool:
        """Stop accepting, close idle keep-alive connections and wait up to *timeout*
        seconds for requests in flight. Returns False if some were still running."""
        if self._serving:
            self.shutdown()
        return self._tracker.drain(timeout)

    def handle_error(self, request: t.Any, client_address: t.Any) -> None:
        """Re-raise with ``passthrough_errors``, else log the handler's exception."""
        if self.passthrough_errors:
            raise
        super().handle_error(request, client_address)

    def log_startup(self) -> None:
        """Print the development-server warning and the URLs to open."""
        warning = (
            "WARNING: This is a development server. Do not use it in a production"
            " deployment. Use a production WSGI server instead."
        )
        messages = [_ansi_style(warning, "bold", "red")]
        if self.address_family == af_unix:
            messages.append(f" * Running on {self.host}")
        else:
            scheme = "http" if self.ssl_context is None else "https"
            display = self.host
            if self.host in ("0.0.0.0", "::"):
                messages.append(f" * Running on all addresses ({self.host})")
                if self.host == "0.0.0.0":
                    loopback, display = "127.0.0.1", get_interface_ip(socket.AF_INET)
                else:
                    loopback, display = "[::1]", get_interface_ip(socket.AF_INET6)
                messages.append(f" * Running on {scheme}://{loopback}:{self.port}")
            if ":" in display:
                display = f"[{display}]"
            messages.append(f" * Running on {scheme}://{display}:{self.port}")
        _log("info", "\n".join(messages))


def _make_ssl_context(value: SSLContextArg | None) -> ssl.SSLContext | None:
    if value is None:
        return None
    if isinstance(value, tuple):
        return load_ssl_context(*value)
    if value == "adhoc":
        return generate_adhoc_ssl_context()
    return value


def _remove_stale_unix_socket(path: str) -> None:
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(mode):
        print(
            f"Error: Cannot listen on unix://{path}: the path exists and is not a socket.",
            file=sys.stderr,
        )
        sys.exit(1)
    os.unlink(path)


class ThreadedWSGIServer(socketserver.ThreadingMixIn, BaseWSGIServer):
    """A WSGI server that handles each connection in its own (daemon) thread."""

    multithread = True
    daemon_threads = True


# Forking needs os.fork (POSIX); elsewhere the class exists but refuses to start.
_ForkingMixIn: type = socketserver.ForkingMixIn if can_fork else type("_ForkingMixIn", (), {})


class ForkingWSGIServer(_ForkingMixIn, BaseWSGIServer):  # type: ignore[misc]
    """A WSGI server that handles each connection in a forked process (POSIX only)."""

    multiprocess = True

    def __init__(
        self,
        host: str,
        port: int,
        app: WSGIApplication,
        processes: int = 40,
        handler: type[WSGIRequestHandler] | None = None,
        passthrough_errors: bool = False,
        ssl_context: SSLContextArg | None = None,
        fd: int | None = None,
    ) -> None:
        if not can_fork:
            raise ValueError("Your platform does not support forking.")
        super().__init__(host, port, app, handler, passthrough_errors, ssl_context, fd)
        self.max_children = processes


def make_server(
    host: str,
    port: int,
    app: WSGIApplication,
    threaded: bool = False,
    processes: int = 1,
    request_handler: type[WSGIRequestHandler] | None = None,
    passthrough_errors: bool = False,
    ssl_context: SSLContextArg | None = None,
    fd: int | None = None,
) -> BaseWSGIServer:
    """Create the server :func:`run_simple` would use, without starting it.

    Useful to run a server in a thread (``server.serve_forever()`` /
    ``server.shutdown()``) or to learn the port picked for ``port=0``.
    """
    if threaded and processes > 1:
        raise ValueError("Cannot have a multi-thread and multi-process server.")
    if threaded:
        return ThreadedWSGIServer(
            host, port, app, request_handler, passthrough_errors, ssl_context, fd=fd
        )
    if processes > 1:
        return ForkingWSGIServer(
            host, port, app, processes, request_handler, passthrough_errors, ssl_context, fd=fd
        )
    return BaseWSGIServer(host, port, app, request_handler, passthrough_errors, ssl_context, fd=fd)


class _StopOnSigterm:
    """Make SIGTERM stop the server like Ctrl+C does, so both exit with status 0."""

    def __init__(self) -> None:
        self._previous: t.Any = None
        self._installed = False

    def __enter__(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
            return  # the application installed its own handler; respect it
        self._previous = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        self._installed = True

    def __exit__(self, *exc_info: object) -> None:
        if self._installed:
            signal.signal(signal.SIGTERM, self._previous)


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_simple(
    hostname: str,
    port: int,
    application: WSGIApplication,
    use_reloader: bool = False,
    use_debugger: bool = False,
    use_evalex: bool = True,
    extra_files: Iterable[str] | None = None,
    exclude_patterns: Iterable[str] | None = None,
    reloader_interval: float = 1,
    reloader_type: str = "auto",
    threaded: bool = False,
    processes: int = 1,
    request_handler: type[WSGIRequestHandler] | None = None,
    static_files: dict[str, str | tuple[str, str]] | None = None,
    passthrough_errors: bool = False,
    ssl_context: SSLContextArg | None = None,
) -> None:
    """Serve *application* on *hostname*:*port* until Ctrl+C or SIGTERM (both exit cleanly).

    *hostname* may be an IPv4/IPv6 address, a name, or ``unix:///path/to.sock``; port 0
    picks a free port. ``use_reloader`` restarts the server when a source file changes
    (``reloader_type`` ``"auto"``, ``"watchfiles"`` or ``"stat"``), keeping the listening
    socket so no connection is refused meanwhile; ``extra_files`` and
    ``exclude_patterns`` (fnmatch) adjust what is watched. ``use_debugger`` wraps the app
    in :class:`hipflask.debug.DebuggedApplication` (``use_evalex`` allows its console).
    ``threaded``/``processes`` choose the concurrency model; ``static_files`` maps URL
    prefixes to directories served by ``SharedDataMiddleware``; ``ssl_context`` is an
    ``SSLContext``, a ``(cert, key)`` pair of paths, or ``"adhoc"``.

    Do not use this server in production.
    """
    if not isinstance(port, int):
        raise TypeError(f"The port must be an integer, not {type(port).__name__}.")
    if static_files:
        application = SharedDataMiddleware(application, static_files)
    if use_debugger:
        # The debugger loads only when asked for.
        from ..debug import DebuggedApplication

        application = DebuggedApplication(application, evalex=use_evalex)
        trusted = getattr(application, "trusted_hosts", None)
        if isinstance(trusted, list):
            trusted.append(hostname)

    fd = None
    if is_running_from_reloader() and os.environ.get(SERVER_FD_ENV, "").isdigit():
        fd = int(os.environ[SERVER_FD_ENV])
    server = make_server(
        hostname,
        port,
        application,
        threaded,
        processes,
        request_handler,
        passthrough_errors,
        ssl_context,
        fd=fd,
    )
    if not is_running_from_reloader():
        server.log_startup()
        _log("info", _ansi_style("Press CTRL+C to quit", "yellow"))
        if use_debugger and not use_reloader:
            # With the reloader, the child's debugger announces itself when created.
            log_debugger = getattr(application, "log_startup", None)
            if callable(log_debugger):
                log_debugger()

    with _StopOnSigterm():
        if use_reloader:
            # The reloader (and watchfiles) load only when asked for.
            from .reloader import run_with_reloader

            if fd is None:
                server.socket.set_inheritable(True)
                os.environ[SERVER_FD_ENV] = str(server.fileno())
            try:
                run_with_reloader(
                    # A short poll so a restart stops accepting promptly.
                    functools.partial(server.serve_forever, poll_interval=0.1),
                    extra_files=extra_files,
                    exclude_patterns=exclude_patterns,
                    interval=reloader_interval,
                    reloader_type=reloader_type,
                    before_restart=server.stop_gracefully,
                )
            finally:
                server.server_close()
        else:
            server.serve_forever()
