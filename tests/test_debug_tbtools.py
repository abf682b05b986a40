"""Traceback capture and rendering of hipflask.debug.tbtools (no WSGI, no core)."""

from __future__ import annotations

import json
import re
import sys
import traceback
import typing as t
from pathlib import Path

import pytest

from hipflask.debug.tbtools import DebugTraceback


def _catch(func: t.Callable[[], object]) -> BaseException:
    try:
        func()
    except BaseException as error:
        return error
    raise AssertionError("expected an exception")


def _divide(x: int) -> float:
    return 1 / x


def _outer() -> float:
    local_marker = "outer-local"  # noqa: F841 - inspected through the frame
    return _divide(0)


def _frame_names(tb: DebugTraceback) -> list[str]:
    return [frame.name for frame in tb.all_frames]


def _load_module(tmp_path: Path, name: str, source: str) -> dict[str, t.Any]:
    path = tmp_path / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    namespace: dict[str, t.Any] = {"__name__": name, "__file__": str(path)}
    exec(compile(source, str(path), "exec"), namespace)
    return namespace


def test_frames_carry_file_line_function_and_namespaces() -> None:
    tb = DebugTraceback(_catch(_outer))
    frames = tb.all_frames
    assert [f.name for f in frames][-2:] == ["_outer", "_divide"]
    outer, divide = frames[-2], frames[-1]
    assert outer.filename == __file__
    assert divide.lineno == _divide.__code__.co_firstlineno + 1
    assert outer.local_ns["local_marker"] == "outer-local"
    assert divide.local_ns["x"] == 0
    assert outer.global_ns is globals()
    assert len({f.id for f in frames}) == len(frames)


def test_html_shows_source_context_with_marked_line_and_numbers() -> None:
    html = DebugTraceback(_catch(_outer)).render_traceback_html(context=5)
    failing = _divide.__code__.co_firstlineno + 1
    pattern = r'<span class="line current"><span class="lineno">\s*(\d+)</span>(.*?)</span>'
    number, text = re.findall(pattern, html)[-1]  # the innermost frame is rendered last
    assert int(number) == failing
    # Only the failing expression is highlighted, not the "return".
    assert text == "    return <mark>1 / x</mark>"
    # Context: lines before and after the current one are there, with their numbers.
    for number in (failing - 2, failing + 1):
        assert f'<span class="lineno">{number}</span>' in html or f"> {number}</span>" in html
    assert "def _divide(x: int) -&gt; float:" in html
    assert '<code class="function">_divide</code>' in html
    assert f'<cite class="filename">{__file__}</cite>' in html


def test_mark_uses_characters_not_bytes(tmp_path: Path) -> None:
    ns = _load_module(tmp_path, "accented", 'def f():\n    s = "éééé"; return s + 1\n')
    html = DebugTraceback(_catch(ns["f"])).render_traceback_html(context=0)
    assert "<mark>s + 1</mark>" in html


def test_chained_exceptions_oldest_first_with_dividers() -> None:
    def cause() -> None:
        try:
            _divide(0)
        except ZeroDivisionError as error:
            raise KeyError("missing") from error

    def context() -> None:
        try:
            cause()
        except KeyError:
            raise RuntimeError("while handling")  # noqa: B904 - implicit context on purpose

    tb = DebugTraceback(_catch(context))
    relations = [message for message, _ in tb.all_tracebacks]
    assert relations == [
        "During handling of the above exception, another exception occurred:",
        "The above exception was the direct cause of the following exception:",
        None,
    ]
    html = tb.render_traceback_html()
    zero = html.index("ZeroDivisionError: division by zero")
    key = html.index("KeyError: &#39;missing&#39;")
    runtime = html.index("RuntimeError: while handling")
    assert zero < html.index("direct cause") < key < html.index("During handling") < runtime
    text = tb.render_traceback_text()
    assert text == "".join(traceback.format_exception(tb.exception))


def test_suppressed_context_is_not_shown() -> None:
    def fail() -> None:
        try:
            _divide(0)
        except ZeroDivisionError:
            raise ValueError("clean") from None

    tb = DebugTraceback(_catch(fail))
    assert len(tb.all_tracebacks) == 1
    assert "ZeroDivisionError" not in tb.render_traceback_html()
    assert "ZeroDivisionError" not in tb.render_traceback_text()


def test_cyclic_chain_terminates() -> None:
    first, second = ValueError("a"), ValueError("b")
    first.__context__ = second
    second.__context__ = first
    tb = DebugTraceback(first)
    assert 1 <= len(tb.all_tracebacks) <= 2
    assert "ValueError" in tb.render_traceback_html()


def test_skip_drops_outer_frames() -> None:
    error = _catch(_outer)
    full = _frame_names(DebugTraceback(error))
    assert _frame_names(DebugTraceback(error, skip=1)) == full[1:]


def _hidden_helper() -> float:
    __traceback_hide__ = True
    return _divide(0)


def test_traceback_hide_true_hides_the_frame_unless_disabled() -> None:
    error = _catch(_hidden_helper)
    assert "_hidden_helper" not in _frame_names(DebugTraceback(error))
    assert "_hidden_helper" in _frame_names(DebugTraceback(error, hide=False))
    text = DebugTraceback(error).render_traceback_text()
    assert "_hidden_helper" not in text


def test_traceback_hide_before_after_reset(tmp_path: Path) -> None:
    source = """
def a(): return b()
def b():
    __traceback_hide__ = "before"
    return c()
def c():
    __traceback_hide__ = "after"
    return d()
def d(): return e()
def e():
    __traceback_hide__ = "reset"
    return f()
def f(): return 1 / 0
def g():
    __traceback_hide__ = "before_and_this"
    return f()
def h():
    __traceback_hide__ = "after_and_this"
    return f()
"""
    ns = _load_module(tmp_path, "hiding", source)
    names = _frame_names(DebugTraceback(_catch(ns["a"])))
    # "before" in b drops the test's frames and a; "after" in c hides d; "reset" in e
    # shows e and f again.
    assert names == ["b", "c", "e", "f"]
    assert _frame_names(DebugTraceback(_catch(ns["g"]))) == ["f"]
    assert _frame_names(DebugTraceback(_catch(ns["h"])))[-1] == "_catch"


def test_everything_hidden_shows_everything(tmp_path: Path) -> None:
    ns = _load_module(tmp_path, "allhidden", "def f():\n    __traceback_hide__ = True\n    1 / 0\n")
    tb = DebugTraceback(_catch(ns["f"]), skip=1)
    assert _frame_names(tb) == ["f"]


def test_library_frames_are_collapsed_only_when_mixed() -> None:
    def user_code() -> object:
        return json.loads("{not json")

    html = DebugTraceback(_catch(user_code), skip=1).render_traceback_html()
    user = re.search(
        r'<details class="frame" id="frame-\d+" data-frame-id="\d+" open>'
        r'<summary><code class="function">[^<]*user_code',
        html,
    )
    assert user is not None
    library = re.findall(r'<details class="frame library"[^>]*>', html)
    assert library and all(" open" not in tag for tag in library)
    assert "json/decoder.py" in html

    # Only library frames: nothing collapsed, or the page would show nothing.
    only_lib = DebugTraceback(_catch(lambda: json.loads("{")), skip=2)
    assert all(f.is_library for f in only_lib.all_frames)
    assert 'class="frame library"' not in only_lib.render_traceback_html()


def test_hipflask_frames_count_as_library() -> None:
    from hipflask.debug import repr as debug_repr_module

    class Broken:
        def __repr__(self) -> str:
            raise OSError("nope")

    gen = debug_repr_module.DebugReprGenerator()
    error = _catch(lambda: gen._dispatch(Broken()))
    frames = DebugTraceback(error).all_frames
    assert any(f.is_library for f in frames if "hipflask" in f.filename)
    assert not any(f.is_library for f in frames if f.filename == __file__)


def test_everything_from_the_exception_is_escaped(tmp_path: Path) -> None:
    source = (
        "def boom():\n"
        "    __traceback_info__ = '<i>info</i>'\n"
        "    raise ValueError('<script>alert(1)</script>')  # <b>comment</b>\n"
    )
    ns = _load_module(tmp_path, "x<y", source)
    tb = DebugTraceback(_catch(ns["boom"]))
    html = tb.render_debugger_html(evalex=True, secret="abc", evalex_trusted=False)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>comment</b>" not in html and "&lt;b&gt;comment&lt;/b&gt;" in html
    assert "<i>info</i>" not in html and "&lt;i&gt;info&lt;/i&gt;" in html
    assert "x&lt;y.py" in html
    # The plain-text copy is escaped too (it sits in a textarea).
    textarea = html[html.index("<textarea") : html.index("</textarea>")]
    assert "<script>" not in textarea


def test_config_block_cannot_break_out_of_its_script_tag() -> None:
    tb = DebugTraceback(_catch(_outer))
    html = tb.render_debugger_html(
        evalex=True, secret="s", evalex_trusted=False, request_key="</script><script>x()"
    )
    block = re.search(r'<script type="application/json"[^>]*>(.*?)</script>', html, re.S)
    assert block is not None
    assert json.loads(block.group(1))["key"] == "</script><script>x()"
    assert "</script><script>x()" not in html


def test_page_parts() -> None:
    tb = DebugTraceback(_catch(_outer))
    html = tb.render_debugger_html(evalex=True, secret="sekrit", evalex_trusted=False)
    assert '<h1 class="exc-type">ZeroDivisionError</h1>' in html
    assert "ZeroDivisionError: division by zero" in html
    assert html.count('<details class="frame') == len(tb.all_frames)
    assert "<textarea readonly" in html and "Traceback (most recent call last):" in html
    assert 'id="pin-prompt"' in html
    assert "cmd=resource&amp;f=debugger.js&amp;s=sekrit" in html
    config = json.loads(re.search(r'"application/json"[^>]*>(.*?)</script>', html).group(1))  # type: ignore[union-attr]
    assert config == {
        "evalex": True,
        "trusted": False,
        "secret": "sekrit",
        "key": "__debugger__",
        "consolePage": False,
    }
    plain = tb.render_debugger_html(evalex=False, secret="s", evalex_trusted=False)
    assert 'id="pin-prompt"' not in plain


def test_missing_source_and_frameless_exception() -> None:
    code = compile("1 / 0", "<generated>", "exec")
    tb = DebugTraceback(_catch(lambda: exec(code)), skip=2)
    assert "(source not available)" in tb.render_traceback_html()
    bare = DebugTraceback(ValueError("never raised"))
    assert bare.all_frames == []
    assert "(no Python frames)" in bare.render_traceback_html()


class CustomError(Exception):
    pass


def test_module_qualified_exception_names() -> None:
    tb = DebugTraceback(CustomError("x"))
    assert tb.exception_type == f"{__name__}.CustomError"
    assert DebugTraceback(_catch(_outer)).exception_type == "ZeroDivisionError"


@pytest.mark.skipif(sys.version_info < (3, 11), reason="qualified names need co_qualname")
def test_frames_show_qualified_function_names() -> None:
    class Service:
        def run(self) -> None:
            raise LookupError

    html = DebugTraceback(_catch(Service().run)).render_traceback_html()
    assert "test_frames_show_qualified_function_names.&lt;locals&gt;.Service.run" in html
