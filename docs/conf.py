"""Sphinx configuration for hipflask's documentation.

Build (warnings are errors, as in CI)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html
"""

from __future__ import annotations

import os
import sys

# Document the source tree next to this file, not whatever hipflask is installed.
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "src")))

import hipflask

project = "hipflask"
author = "the hipflask authors"
copyright = "the hipflask authors"
version = release = hipflask.__version__

extensions = [
    "sphinx.ext.autodoc",
]


exclude_patterns = ["_build"]
root_doc = "index"
default_role = "code"
highlight_language = "python"

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {
    "members": True,
    "show-inheritance": True,
}
autodoc_inherit_docstrings = True

html_theme = "alabaster"
html_title = f"hipflask {release}"
html_theme_options = {
    "description": "A fast, from-scratch WSGI micro-framework with Flask's API.",
    "fixed_sidebar": True,
}
