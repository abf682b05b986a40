"""Serve an app with hipflask.serving.run_simple and the debugger, without the CLI.

Usage: python serve_debug.py MODULE PORT debug|nodebug

A stand-in for ``hipflask --app MODULE run --debug --no-reload`` used by the browser test
while the CLI cannot do that; prints the same start-up lines (including the PIN).
"""

from __future__ import annotations

import importlib
import sys

from hipflask.debug import DebuggedApplication
from hipflask.serving import run_simple


def main() -> None:
    module_name, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    sys.path.insert(0, ".")
    app = importlib.import_module(module_name).app
    app.debug = mode == "debug"
    print(f" * Debug mode: {'on' if app.debug else 'off'}", flush=True)
    served = app
    if app.debug:
        served = DebuggedApplication(app, evalex=True)
        served.log_startup()
    run_simple("127.0.0.1", port, served, use_reloader=False, threaded=True)


if __name__ == "__main__":
    main()
