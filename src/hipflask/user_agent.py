"""The ``User-Agent`` request header (the equivalent of ``werkzeug.user_agent``)."""

from __future__ import annotations


class UserAgent:
    """The ``User-Agent`` header value (``request.user_agent``).

    Like Werkzeug, hipflask does no browser sniffing: ``string`` is the raw header and
    ``platform``/``browser``/``version``/``language`` are None unless a subclass parses
    them (set ``Request.user_agent_class``). ``bool(ua)`` is True when a browser was parsed.
    """

    platform: str | None = None
    browser: str | None = None
    version: str | None = None
    language: str | None = None

    def __init__(self, string: str) -> None:
        self.string: str = string

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.browser}/{self.version}>"

    def __str__(self) -> str:
        return self.string

    def __bool__(self) -> bool:
        return bool(self.browser)

    def to_header(self) -> str:
        """The header value."""
        return self.string
