"""A hipflask application whose ``/fail`` view raises, for the debugger's tests."""

from __future__ import annotations

from hipflask import Flask, request

app = Flask(__name__)


def average(values: list[int]) -> float:
    """The mean of *values*; fails on an empty list."""
    return sum(values) / len(values)


@app.route("/")
def index() -> str:
    """A view that works."""
    return "hello"


@app.route("/fail")
def fail() -> str:
    """Raises ZeroDivisionError (via ValueError) with local variables to inspect."""
    answer = 42
    visitor = request.args.get("name", "<b>guest</b>")
    try:
        average([])
    except ZeroDivisionError as error:
        raise ValueError(f"no values for {visitor} ({answer})") from error
    return "unreachable"
