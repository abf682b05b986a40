"""Cross-site request forgery protection, in a few lines.

Another site can make a logged-in visitor's browser POST to this blog, and the browser
would send the session cookie along. So every form carries a secret token that only our
own pages know: it lives in the (signed) session, each form repeats it in a hidden field,
and a POST whose field does not match is refused with 400 before any view runs.
"""

from __future__ import annotations

import hmac
import secrets

from hipflask import Flask, Markup, abort, request, session

FIELD = "csrf_token"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def csrf_token() -> str:
    """This session's token, created the first time a form needs it."""
    if FIELD not in session:
        session[FIELD] = secrets.token_urlsafe(32)
    return str(session[FIELD])


def csrf_field() -> Markup:
    """The hidden ``<input>`` every form includes: ``{{ csrf_field() }}``."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, csrf_token())


def check_csrf() -> None:
    """Refuse a state-changing request whose form token is missing or wrong."""
    # Nothing to protect where no view will run: the 404 or 405 is the better answer.
    if request.method not in UNSAFE_METHODS or request.endpoint is None:
        return
    sent = request.form.get(FIELD)
    if not sent:
        abort(400, "The form's CSRF token is missing. Reload the page and try again.")
    expected = session.get(FIELD)
    if not expected:
        abort(400, "Your session has no CSRF token (it may have expired). Reload the page.")
    # compare_digest takes as long for a near miss as for a wild guess.
    if not hmac.compare_digest(sent.encode(), str(expected).encode()):
        abort(400, "The form's CSRF token does not match your session. Reload the page.")


def init_app(app: Flask) -> None:
    """Check every request and offer ``csrf_field()`` to every template."""
    app.before_request(check_csrf)
    app.add_template_global(csrf_field)
