"""Every code block in the documentation (``docs/*.rst``) runs, or names a real command.

Conventions the pages follow (and these tests enforce):

- A ``.. code-block:: python`` block is executed in a fresh namespace, in a temporary working
  directory that is also on ``sys.path``. Blocks are self-contained: each imports what it uses.
- A block with a ``:caption:`` is a file: the caption is its path. Before any block of a page
  runs, every captioned block of that page is written to the temporary directory, so a page
  can show ``templates/hello.html`` and then a Python block that renders it. A Python block
  whose caption is a ``.py`` path is imported as that module (``blog/db.py`` as ``blog.db``),
  so a page can build a package file by file.
- When a Python block leaves a hipflask app in ``app``, every GET route without URL variables
  is requested through the test client and must not answer with a 5xx.
- ``console`` blocks are not run; each ``$`` command in them must name something real:
  ``hipflask`` options and subcommands are checked against the CLI, other programs must be on
  ``PATH``, ``python -m X`` must be importable and ``python path.py`` must exist.
- There are no bare ``::`` literal blocks (they would be highlighted as Python but never run).
"""

from __future__ import annotations

import importlib
import linecache
import os
import re
import shlex
import shutil
import sys
import textwrap
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

import click
import pytest

from hipflask import Flask
from hipflask.cli import cli as hipflask_cli

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

# Languages a block may use. Python is executed, console is checked, the rest are files or
# illustrations (templates, SQL, server configuration) that a Python block may read.
KNOWN_LANGUAGES = {"python", "console", "html+jinja", "html", "sql", "text", "nginx", "ini", "css"}

_DIRECTIVE = re.compile(
    r"^(?P<indent>\s*)\.\. (?:code-block|code|sourcecode)::\s*(?P<lang>\S*)\s*$"
)
_OPTION = re.compile(r"^\s*:(?P<name>[\w-]+):\s*(?P<value>.*)$")


@dataclass
class Block:
    page: str
    line: int
    language: str
    caption: str | None
    code: str
    #: Line of the page where the code starts (1-based).
    code_line: int

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def parse_blocks(path: Path) -> list[Block]:
    """Return the code blocks of one reStructuredText page, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        m = _DIRECTIVE.match(lines[i])
        if not m:
            i += 1
            continue
        start = i + 1
        indent = len(m.group("indent"))
        options: dict[str, str] = {}
        i += 1
        while i < len(lines) and (om := _OPTION.match(lines[i])):
            options[om.group("name")] = om.group("value").strip()
            i += 1
        body: list[str] = []
        while i < len(lines):
            line = lines[i]
            if line.strip() and len(line) - len(line.lstrip()) <= indent:
                break
            body.append(line)
            i += 1
        # Line numbers of the code inside the page, so a traceback points into the .rst file.
        first = next((n for n, line in enumerate(body) if line.strip()), 0)
        code = textwrap.dedent("\n".join(body[first:])).rstrip("\n") + "\n"
        code_line = i - len(body) + first + 1
        blocks.append(
            Block(path.name, start, m.group("lang"), options.get("caption"), code, code_line)
        )
    return blocks


PAGES = sorted(DOCS.glob("*.rst"))
ALL_BLOCKS = [block for page in PAGES for block in parse_blocks(page)]
PYTHON_BLOCKS = [b for b in ALL_BLOCKS if b.language == "python"]
CONSOLE_BLOCKS = [b for b in ALL_BLOCKS if b.language == "console"]


def test_documentation_has_blocks() -> None:
    # Guards the collection itself: a parser bug must not turn into "nothing to check".
    assert len(PAGES) >= 8, PAGES
    assert len(PYTHON_BLOCKS) >= 40, len(PYTHON_BLOCKS)
    assert CONSOLE_BLOCKS


@pytest.mark.parametrize("block", ALL_BLOCKS, ids=lambda b: b.id)
def test_block_language_is_known(block: Block) -> None:
    assert block.language in KNOWN_LANGUAGES, f"{block.id}: language {block.language!r}"
    assert block.code.strip(), f"{block.id}: empty block"
    if block.caption is not None:
        assert re.fullmatch(r"[\w./-]+", block.caption), (
            f"{block.id}: a caption is the file's relative path, got {block.caption!r}"
        )


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_no_bare_literal_blocks(page: Path) -> None:
    """Code must be in a ``code-block`` with a language, so that Python is always run."""
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.rstrip()
        if stripped.endswith("::") and not stripped.lstrip().startswith(".. "):
            pytest.fail(f"{page.name}:{number}: bare literal block; use '.. code-block:: LANG'")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_captions_are_unique_per_page(page: Path) -> None:
    captions = [b.caption for b in parse_blocks(page) if b.caption]
    assert len(captions) == len(set(captions)), f"{page.name}: a file is shown twice"


def _page_file_names(page: str) -> list[str]:
    """The files a page's captioned blocks write, as the captions name them."""
    return [block.caption for block in ALL_BLOCKS if block.page == page and block.caption]


def _write_page_files(page: str, directory: Path) -> None:
    for block in ALL_BLOCKS:
        if block.page == page and block.caption:
            target = directory / block.caption
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.code, encoding="utf-8")


def _smoke_requests(app: Flask, where: str) -> int:
    """GET every argument-less route; a documented app must not fail with a 5xx."""
    client = app.test_client()
    count = 0
    for rule in app.url_map.iter_rules():
        if rule.arguments or "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        response = client.get(rule.rule)
        assert response.status_code < 500, f"{where}: GET {rule.rule} -> {response.status}"
        count += 1
    return count


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=lambda b: b.id)
def test_python_block_runs(block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_page_files(block.page, tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in list(os.environ):
        if name.startswith(("HIPFLASK_", "FLASK_")):
            monkeypatch.delenv(name)
    # A page's own package (the tutorial's ``blog``) must not resolve to a module of the same
    # name that another test imported (tests/examples imports examples/blog as ``blog``).
    page_packages = {
        path.split("/")[0].removesuffix(".py") for path in _page_file_names(block.page)
    }
    for name in list(sys.modules):
        if name.split(".")[0] in page_packages:
            monkeypatch.delitem(sys.modules, name)
    before = set(sys.modules)
    # A module name of its own: the app's root path is then the working directory, so the
    # files written above (templates/, static/) are found as in a real project.
    namespace: dict[str, object] = {"__name__": f"docs_block_{block.line}"}
    try:
        if block.caption and block.caption.endswith(".py"):
            # A module file of the page: import it (relative imports then work).
            module_name = block.caption[: -len(".py")].replace("/", ".")
            module_name = module_name.removesuffix(".__init__")
            importlib.invalidate_caches()
            namespace = vars(importlib.import_module(module_name))
        else:
            # Padding puts each statement on its own line of the page: tracebacks and
            # assertion messages then name docs/<page>.rst and the line to fix.
            filename = str(DOCS / block.page)
            source = "\n" * (block.code_line - 1) + block.code
            linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
            exec(compile(source, filename, "exec"), namespace)
        app = namespace.get("app")
        if isinstance(app, Flask):
            _smoke_requests(app, block.id)
    finally:
        # Modules imported from the temporary directory must not leak into the next block.
        for name in set(sys.modules) - before:
            module_file = getattr(sys.modules[name], "__file__", None) or ""
            if module_file.startswith(str(tmp_path)):
                del sys.modules[name]


def _commands(block: Block) -> list[list[str]]:
    commands = []
    for line in block.code.splitlines():
        if line.startswith("$ "):
            commands.append(shlex.split(line[2:], comments=True))
    assert commands, f"{block.id}: a console block shows at least one '$ ' command"
    return commands


def _check_click_args(command: click.Command, args: list[str], where: str) -> list[str]:
    """Check the options in *args* against *command*; return the arguments after them."""
    options = {}
    for param in command.params:
        if isinstance(param, click.Option):
            for opt in (*param.opts, *param.secondary_opts):
                options[opt] = param
    i = 0
    while i < len(args) and args[i].startswith("-"):
        name = args[i].split("=", 1)[0]
        assert name in options, f"{where}: {command.name} has no option {name}"
        takes_value = not options[name].is_flag and "=" not in args[i]
        i += 2 if takes_value else 1
    return args[i:]


def _page_defines_command(page: str, name: str) -> bool:
    return any(
        b.page == page and re.search(rf"\.command\(\s*[\"']{re.escape(name)}[\"']", b.code)
        for b in PYTHON_BLOCKS
    )


@pytest.mark.parametrize("block", CONSOLE_BLOCKS, ids=lambda b: b.id)
def test_console_commands_exist(block: Block) -> None:
    captions = {b.caption for b in ALL_BLOCKS if b.page == block.page and b.caption}
    for argv in _commands(block):
        # Leading NAME=value words are environment assignments for the command.
        while argv and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", argv[0]):
            argv = argv[1:]
        program, args = argv[0], argv[1:]
        where = f"{block.id}: {' '.join(argv)}"
        if program in {"cd", "source", ".", "export", "mkdir"}:
            continue
        if program == "hipflask":
            rest = _check_click_args(hipflask_cli, args, where)
            if not rest:
                assert {"--version", "--help"} & set(args), f"{where}: no subcommand"
                continue
            sub = hipflask_cli.commands.get(rest[0])
            if sub is None:
                assert _page_defines_command(block.page, rest[0]), (
                    f"{where}: no subcommand {rest[0]!r} built in or defined on the page"
                )
            else:
                _check_click_args(sub, rest[1:], where)
        elif program == "python":
            if args[:1] == ["-m"]:
                module = args[1]
                if module not in {"venv", "pip"}:
                    assert find_spec(module) is not None, f"{where}: no module {module}"
            elif args and args[0].endswith(".py"):
                assert (ROOT / args[0]).is_file() or args[0] in captions, (
                    f"{where}: no file {args[0]}"
                )
        else:
            assert shutil.which(program), f"{where}: {program} is not installed"
