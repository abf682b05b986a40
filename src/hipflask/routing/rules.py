"""URL rules: parsing ``/user/<int:id>`` into matchable parts and a URL builder."""

from __future__ import annotations

import ast
import re
import typing as t
from urllib.parse import quote, urlencode

from .converters import PATH_SAFE, BaseConverter, ValidationError

if t.TYPE_CHECKING:
    from .map import Map

# One piece of a rule string: a slash, static text, or ``<converter(args):name>``.
_PIECE_RE = re.compile(
    r"""
    (?P<slash>/)
    | (?P<static>[^</]+)
    | <(?:(?P<converter>[a-zA-Z_]\w*)(?:\((?P<args>.*?)\))?:)?(?P<variable>[a-zA-Z_]\w*)>
    """,
    re.VERBOSE,
)
_QUERY_SAFE = "!$'()*,/:;?@"


def parse_converter_args(argstr: str) -> tuple[tuple[t.Any, ...], dict[str, t.Any]]:
    """Parse ``signed=True, min=1`` or ``a, b, "c d"`` into positional and keyword args.

    Python literals (numbers, quoted strings, True/False/None) keep their type; bare words
    such as ``any(about, help)`` become strings.
    """
    try:
        call = ast.parse(f"f({argstr})", mode="eval").body
    except SyntaxError:
        raise ValueError(f"Cannot parse converter arguments '{argstr}'.") from None
    assert isinstance(call, ast.Call)
    args = tuple(_literal(node, argstr) for node in call.args)
    kwargs = {kw.arg: _literal(kw.value, argstr) for kw in call.keywords if kw.arg}
    return args, kwargs


def _literal(node: ast.expr, argstr: str) -> t.Any:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return ast.unparse(node)
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise ValueError(f"Cannot parse converter arguments '{argstr}'.") from None


class RulePart:
    """One step of a rule in the matcher: a path segment, or the rest of the path.

    ``static`` parts are compared as text; dynamic ones through ``regex`` whose named groups
    ``_hf0``, ``_hf1``... carry the converter values in order. Parts with the same pattern
    share a node in the matcher's tree, whatever their variable names.
    """

    __slots__ = (
        "final",
        "group_names",
        "only_groups",
        "pattern",
        "regex",
        "static",
        "suffixed",
        "weight",
    )

    def __init__(
        self,
        pattern: str,
        static: bool,
        final: bool = False,
        suffixed: bool = False,
        weight: tuple[t.Any, ...] = (),
        group_count: int = 0,
    ) -> None:
        self.pattern = pattern
        self.static = static
        self.final = final
        self.suffixed = suffixed
        self.weight = weight
        self.regex = None if static else re.compile(pattern)
        self.group_names = tuple(f"_hf{i}" for i in range(group_count))
        # The regex has no groups besides the _hf ones (none inside a converter's regex), so
        # match.groups() lists exactly the values, in order.
        self.only_groups = self.regex is not None and self.regex.groups == group_count

    @property
    def key(self) -> tuple[str, bool, bool, bool]:
        """What makes two parts the same matcher transition."""
        return (self.pattern, self.static, self.final, self.suffixed)


class Rule:
    """A URL rule (Werkzeug's ``Rule``): a path pattern bound to an endpoint.

    ``methods`` always gains ``HEAD`` when it has ``GET``. ``strict_slashes`` (default from
    the map) makes ``/projects`` redirect to ``/projects/``; ``merge_slashes`` makes
    ``/a//b`` redirect to ``/a/b``; ``defaults`` supply view arguments the URL lacks;
    ``redirect_to`` (a rule string or callable) answers with a redirect instead.
    """

    def __init__(
        self,
        string: str,
        defaults: t.Mapping[str, t.Any] | None = None,
        subdomain: str | None = None,
        methods: t.Iterable[str] | None = None,
        build_only: bool = False,
        endpoint: t.Any | None = None,
        strict_slashes: bool | None = None,
        merge_slashes: bool | None = None,
        redirect_to: str | t.Callable[..., str] | None = None,
        alias: bool = False,
        host: str | None = None,
        websocket: bool = False,
    ) -> None:
        if not string.startswith("/"):
            raise ValueError(f"URL rule '{string}' must start with a slash.")
        self.rule = string
        self.is_leaf = not string.endswith("/")
        self.is_branch = string.endswith("/")
        self.map: Map = None  # type: ignore[assignment]
        self.strict_slashes = strict_slashes
        self.merge_slashes = merge_slashes
        self.subdomain = subdomain
        self.host = host
        self.defaults = defaults
        self.build_only = build_only
        self.alias = alias
        self.websocket = websocket
        if methods is not None:
            if isinstance(methods, str):
                raise TypeError(
                    f"'methods' of URL rule '{string}' must be a list of strings, not a string."
                )
            methods = {m.upper() for m in methods}
            if "GET" in methods:
                methods.add("HEAD")
        self.methods: set[str] | None = methods
        self.endpoint: t.Any = endpoint
        self.redirect_to = redirect_to
        self.arguments: set[str] = set(map(str, defaults)) if defaults else set()
        self._converters: dict[str, BaseConverter] = {}
        # (name, converter.to_python) pairs in URL order, for the matcher's hot loop.
        self._to_python: list[tuple[str, t.Callable[[str], t.Any]]] = []
        self._trace: list[tuple[bool, str]] = []
        self._parts: list[RulePart] = []
        # Set by Map.update(): matching this rule may redirect (redirect_to, or a rule of the
        # same endpoint provides its defaults), so the app must use the full adapter.
        self._needs_adapter = True

    # -- binding and compiling -------------------------------------------------------------

    def get_rules(self, map: Map) -> t.Iterator[Rule]:
        """Rule factories yield rules; a plain rule yields itself."""
        yield self

    def empty(self) -> Rule:
        """An unbound copy of this rule, for adding it to another map."""
        return type(self)(self.rule, **self.get_empty_kwargs())

    def get_empty_kwargs(self) -> t.Mapping[str, t.Any]:
        """Keyword arguments :meth:`empty` passes to the copy."""
        return dict(
            defaults=dict(self.defaults) if self.defaults else None,
            subdomain=self.subdomain,
            methods=self.methods,
            build_only=self.build_only,
            endpoint=self.endpoint,
            strict_slashes=self.strict_slashes,
            redirect_to=self.redirect_to,
            alias=self.alias,
            host=self.host,
        )

    def bind(self, map: Map, rebind: bool = False) -> None:
        """Attach the rule to *map* and compile it."""
        if self.map is not None and not rebind:
            raise RuntimeError(f"URL rule {self!r} is already bound to map {self.map!r}.")
        self.map = map
        if self.strict_slashes is None:
            self.strict_slashes = map.strict_slashes
        if self.merge_slashes is None:
            self.merge_slashes = map.merge_slashes
        if self.subdomain is None:
            self.subdomain = map.default_subdomain
        self.compile()

    def refresh(self) -> None:
        """Recompile after changing the rule in place."""
        self.bind(self.map, rebind=True)

    def get_converter(
        self,
        variable_name: str,
        converter_name: str,
        args: tuple[t.Any, ...],
        kwargs: t.Mapping[str, t.Any],
    ) -> BaseConverter:
        """Instantiate the converter called *converter_name* from the map's table."""
        if converter_name not in self.map.converters:
            known = ", ".join(sorted(self.map.converters))
            raise LookupError(
                f"URL rule '{self.rule}': the converter '{converter_name}' (for"
                f" '{variable_name}') does not exist; known converters: {known}."
            )
        return self.map.converters[converter_name](self.map, *args, **kwargs)

    def compile(self) -> None:
        """Turn the domain and path patterns into matcher parts and builder steps."""
        domain_rule = (self.host if self.map.host_matching else self.subdomain) or ""
        self._converters = {}
        self._trace = []
        self._parts = []
        if domain_rule:
            self._parts.extend(self._parse(domain_rule))
        else:
            self._parts.append(RulePart("", static=True))
        self._trace.append((False, "|"))
        path = re.sub("/{2,}", "/", self.rule) if self.merge_slashes else self.rule
        self._parts.extend(self._parse(path))
        self._to_python = [
            (name, conv._matcher_to_python()) for name, conv in self._converters.items()
        ]
        self._compile_builder()

    def _parse(self, rule: str) -> t.Iterator[RulePart]:
        """Split *rule* at slashes into parts; a non-isolating converter takes the rest."""
        content = ""
        static = True
        final = False
        groups = 0
        static_weights: list[tuple[int, int]] = []
        argument_weights: list[int] = []

        def make_part(suffixed: bool = False) -> RulePart:
            pattern = content if static else content + r"\Z"
            weight = (
                -len(static_weights),
                static_weights,
                -len(argument_weights),
                argument_weights,
            )
            return RulePart(pattern, static, final, suffixed, weight, groups)

        pos = 0
        while pos < len(rule):
            match = _PIECE_RE.match(rule, pos)
            if match is None:
                raise ValueError(f"Malformed URL rule '{self.rule}' at position {pos}.")
            pos = match.end()
            if match["static"] is not None:
                text = match["static"]
                static_weights.append((len(static_weights), -len(text)))
                self._trace.append((False, text))
                content += text if static else re.escape(text)
            elif match["variable"] is not None:
                name = match["variable"]
                if name in self._converters:
                    raise ValueError(f"URL rule '{self.rule}' uses the variable '{name}' twice.")
                if static:
                    content = re.escape(content)
                    static = False
                args, kwargs = parse_converter_args(match["args"] or "")
                converter = self.get_converter(name, match["converter"] or "default", args, kwargs)
                self._converters[name] = converter
                self.arguments.add(name)
                final = final or not converter.part_isolating
                content += f"(?P<_hf{groups}>{converter.regex})"
                groups += 1
                argument_weights.append(converter.weight)
                self._trace.append((True, name))
            else:  # a slash
                self._trace.append((False, "/"))
                if final:
                    content += "/"
                    continue
                yield make_part()
                content, static, groups = "", True, 0
                static_weights, argument_weights = [], []

        if final and content.endswith("/"):
            # A path-like converter followed by a trailing slash: match the slash optionally
            # so the missing-slash redirect still works.
            content = content[:-1] + "(?<!/)(/?)"
            yield make_part(suffixed=True)
            content, static, final, groups = "", True, False, 0
            yield make_part()
            return
        yield make_part()

    # -- building --------------------------------------------------------------------------

    def _compile_builder(self) -> None:
        defaults = self.defaults or {}
        domain_ops: list[tuple[bool, str]] = []
        path_ops: list[tuple[bool, str]] = []
        ops = domain_ops
        for is_dynamic, data in self._trace:
            if data == "|" and ops is domain_ops:
                ops = path_ops
            elif is_dynamic and data in defaults:
                ops.append((False, self._converters[data].to_url(defaults[data])))
            elif is_dynamic:
                ops.append((True, data))
            else:
                ops.append((False, quote(data, safe=PATH_SAFE)))
        self._domain_ops = _merge_static(domain_ops)
        self._path_ops = _merge_static(path_ops)

    def _run_ops(self, ops: list[tuple[bool, str]], values: t.Mapping[str, t.Any]) -> str:
        converters = self._converters
        return "".join(
            converters[data].to_url(values[data]) if is_dynamic else data
            for is_dynamic, data in ops
        )

    def build(
        self, values: t.Mapping[str, t.Any], append_unknown: bool = True
    ) -> tuple[str, str] | None:
        """``(domain part, path with query)`` for *values*, or None if a converter refuses."""
        try:
            domain = self._run_ops(self._domain_ops, values)
            path = self._run_ops(self._path_ops, values)
        except ValidationError:
            return None
        if append_unknown:
            query = self._encode_query({k: v for k, v in values.items() if k not in self.arguments})
            if query:
                path = f"{path}?{query}"
        return domain, path

    def _encode_query(self, values: t.Mapping[str, t.Any]) -> str:
        pairs: list[tuple[str, t.Any]] = []
        for key, value in values.items():
            if isinstance(value, (list, tuple, set)):
                pairs.extend((key, item) for item in value if item is not None)
            elif value is not None:
                pairs.append((key, value))
        if not pairs:
            return ""
        if self.map.sort_parameters:
            pairs.sort(key=self.map.sort_key)
        return urlencode(pairs, safe=_QUERY_SAFE)

    def suitable_for(self, values: t.Mapping[str, t.Any], method: str | None = None) -> bool:
        """Whether *values* (and *method*) are enough to build this rule."""
        if method is not None and self.methods is not None and method not in self.methods:
            return False
        defaults = self.defaults or {}
        for key in self.arguments:
            if key not in defaults and key not in values:
                return False
        return all(key not in values or values[key] == value for key, value in defaults.items())

    def provides_defaults_for(self, rule: Rule) -> bool:
        """Whether this rule is the canonical URL for *rule*'s values (default redirects)."""
        return bool(
            not self.build_only
            and self.defaults
            and self.endpoint == rule.endpoint
            and self != rule
            and self.arguments == rule.arguments
        )

    def build_compare_key(self) -> tuple[int, int, int]:
        """Sort key for building: rules with more arguments and defaults are tried first."""
        return (1 if self.alias else 0, -len(self.arguments), -len(self.defaults or ()))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, type(self)) and self._trace == other._trace

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.rule

    def __repr__(self) -> str:
        if self.map is None:
            return f"<{type(self).__name__} (unbound)>"
        methods = f" ({', '.join(sorted(self.methods))})" if self.methods else ""
        return f"<{type(self).__name__} '{self.rule}'{methods} -> {self.endpoint}>"


def _merge_static(ops: list[tuple[bool, str]]) -> list[tuple[bool, str]]:
    merged: list[tuple[bool, str]] = []
    for is_dynamic, data in ops:
        if merged and not is_dynamic and not merged[-1][0]:
            merged[-1] = (False, merged[-1][1] + data)
        else:
            merged.append((is_dynamic, data))
    return merged
