# Put on PYTHONPATH by the ecosystem harness for the hipflask runs: every Python process of
# the run (pytest, and the `flask ...` / `python app.py` subprocesses some suites start)
# switches the drop-in mode on before anything imports flask.
import hipflask.as_flask  # noqa: F401
