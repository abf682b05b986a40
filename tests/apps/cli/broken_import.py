"""Importing this module fails inside it: the CLI must show this module's traceback."""

import hipflask_no_such_dependency  # noqa: F401
