"""The debugger's console and HTML reprs (hipflask.debug.console / .repr)."""

from __future__ import annotations

import re
import sys
import threading
from collections import OrderedDict, deque

from hipflask.debug.console import Console
from hipflask.debug.repr import DebugReprGenerator, debug_repr

# -- repr ------------------------------------------------------------------------------


def test_repr_escapes_strings_objects_and_keys() -> None:
    class Evil:
        def __repr__(self) -> str:
            return "<script>alert('obj')</script>"

    html = debug_repr({"<b>key</b>": ["<img src=x onerror=alert(1)>", Evil()]})
    assert "<script>" not in html and "<img" not in html and "<b>key" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x" in html and "&lt;b&gt;key" in html


def test_repr_basic_types() -> None:
    assert debug_repr(42) == '<span class="number">42</span>'
    assert debug_repr(None) == '<span class="keyword">None</span>'
    assert debug_repr("hi") == '<span class="string">&#39;hi&#39;</span>'
    assert debug_repr(re.compile("a+")).startswith("re.compile(")
    assert debug_repr((1,)) == '(<span class="number">1</span>)'
    assert "frozenset({" in debug_repr(frozenset({1}))


def test_long_string_is_collapsed_then_cut() -> None:
    html = debug_repr("x" * 500)
    visible, hidden = html.split('<span class="extended">', 1)
    assert visible.count("x") == DebugReprGenerator.string_limit - 1  # minus the quote
    assert "x" * 300 in hidden

    huge = debug_repr("y" * 100_000)
    assert huge.count("y") == DebugReprGenerator.max_string_length
    assert "(80000 more characters)" in huge


def test_containers_are_limited() -> None:
    html = debug_repr(list(range(30)))
    head, rest = html.split('<span class="extended">', 1)
    assert head.count('class="number"') == DebugReprGenerator.items_limit
    assert rest.count('class="number"') == 20

    big = debug_repr(list(range(10_000)))
    assert big.count('class="number"') == DebugReprGenerator.max_items
    assert "(9500 more)" in big

    mapping = debug_repr({i: i for i in range(1000)})
    assert mapping.count('class="pair"') == DebugReprGenerator.max_items
    assert "(500 more)" in mapping


def test_recursion_depth_and_broken_reprs() -> None:
    loop: list[object] = []
    loop.append(loop)
    assert "&lt;recursive list&gt;" in debug_repr(loop)

    nested: list[object] = []
    current = nested
    for _ in range(50):
        inner: list[object] = []
        current.append(inner)
        current = inner
    assert '<span class="ellipsis">...</span>' in debug_repr(nested)

    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("<oops>")

    html = debug_repr([Broken()])
    assert "repr failed: RuntimeError: &lt;oops&gt;" in html


def test_subclasses_are_named() -> None:
    class Tags(list):  # type: ignore[type-arg]
        pass

    assert "Tags([" in debug_repr(Tags([1]))
    assert "collections.OrderedDict({" in debug_repr(OrderedDict(a=1))
    assert "collections.deque(deque([" in debug_repr(deque([1])) or "deque([" in debug_repr(
        deque([1])
    )


def test_huge_object_repr_is_cut() -> None:
    class Chatty:
        def __repr__(self) -> str:
            return "z" * 50_000

    html = debug_repr(Chatty())
    assert html.count("z") == DebugReprGenerator.max_object_repr
    assert "more characters" in html


# -- console ---------------------------------------------------------------------------


def test_state_is_kept_between_lines() -> None:
    console = Console({"base": 10}, {"local": 5})
    echo = console.eval("total = base + local")
    assert echo == '<span class="prompt">&gt;&gt;&gt; </span>total = base + local\n'
    assert '<span class="number">15</span>' in console.eval("total")
    assert '<span class="number">30</span>' in console.eval("_ * 2")
    assert console.namespace["_"] == 30


def test_blocks_wait_for_more_lines() -> None:
    console = Console()
    assert console.eval("def double(n):").endswith("def double(n):\n")
    assert console.more
    out = console.eval("    return n * 2")
    assert out.startswith('<span class="prompt">... </span>')
    assert console.more
    console.eval("")
    assert not console.more
    assert '<span class="number">42</span>' in console.eval("double(21)")


def test_print_output_is_captured_and_escaped() -> None:
    console = Console()
    before = sys.stdout
    out = console.eval("print('<b>hi</b>')")
    assert "&lt;b&gt;hi&lt;/b&gt;\n" in out
    assert sys.stdout is before


def test_errors_are_rendered_without_hipflask_frames() -> None:
    console = Console()
    console.eval("def fail(): return {}['<key>']")
    console.eval("")  # a compound statement ends with a blank line, as at the python prompt
    out = console.eval("fail()")
    assert "KeyError: &#39;&lt;key&gt;&#39;" in out
    assert "<key>" not in out
    assert "console.py" not in out
    assert "&lt;console input" in out
    # The console still works afterwards.
    assert '<span class="number">2</span>' in console.eval("1 + 1")


def test_syntax_errors_and_exit_do_not_escape() -> None:
    console = Console()
    out = console.eval("1 +* 2")
    assert 'class="syntaxerror"' in out and "SyntaxError" in out
    out = console.eval("raise SystemExit(3)")
    assert "SystemExit: 3" in out
    assert not console.more


def test_frame_namespace_is_a_copy() -> None:
    real_locals = {"value": 1}
    real_globals = {"g": 2}
    console = Console(real_globals, real_locals)
    console.eval("value = 99")
    console.eval("g = 100")
    assert real_locals == {"value": 1} and real_globals == {"g": 2}


def test_dump_and_help_helpers() -> None:
    console = Console({}, {"secret_value": "<s>"})
    out = console.eval("dump()")
    assert "secret_value" in out and "&lt;s&gt;" in out and "<s>" not in out
    out = console.eval("dump([1])")
    assert "Details for" in out and "append" in out
    out = console.eval("help(len)")
    assert 'class="help"' in out and "len" in out
    out = console.eval("help('no.such.module.really')")
    assert "No help available" in out or "No Python documentation" in out


def test_parallel_consoles_capture_their_own_output() -> None:
    barrier = threading.Barrier(4)
    results: dict[int, str] = {}

    def run(n: int) -> None:
        console = Console({"barrier": barrier, "n": n})
        results[n] = console.eval(
            "barrier.wait(); [print(f'from-{n}') for _ in range(50)] and None"
        )

    threads = [threading.Thread(target=run, args=(n,)) for n in range(4)]
    before = sys.stdout
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sys.stdout is before
    for n, out in results.items():
        assert out.count(f"from-{n}") == 50
        assert all(f"from-{m}" not in out for m in results if m != n)
