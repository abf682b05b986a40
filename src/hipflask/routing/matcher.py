"""The URL matcher: a tree of rule parts, plus a dict for fully static paths.

Matching walks the tree one path segment at a time, static transitions before dynamic ones
(dynamic ones ordered by converter weight), and backtracks when a branch fails, which gives
the same precedence as Werkzeug's state machine. Precedence matters, speed matters more on
the common path: a path without variables is answered by a single dict lookup, and the tree
shares nodes between rules with the same segments, so 1,000 routes cost about what 10 do.
"""

from __future__ import annotations

import re
import typing as t

from ..exceptions import HTTPException, MethodNotAllowed, NotFound
from .converters import ValidationError
from .exceptions import WebsocketMismatch
from .rules import Rule, RulePart

_MULTI_SLASH = re.compile("/{2,}")


class NoMatch(Exception):
    """No rule matched; ``have_match_for`` holds the methods that would have matched."""

    def __init__(self, have_match_for: set[str], websocket_mismatch: bool = False) -> None:
        super().__init__()
        self.have_match_for = have_match_for
        self.websocket_mismatch = websocket_mismatch

    def http_error(self) -> HTTPException:
        """The HTTP error to answer with: 405 (with the allowed methods), 400 or 404."""
        if self.have_match_for:
            return MethodNotAllowed(valid_methods=sorted(self.have_match_for))
        if self.websocket_mismatch:
            return WebsocketMismatch()
        return NotFound()


class RequestPath(Exception):
    """The path matches in canonical form (trailing slash added, slashes merged)."""

    def __init__(self, path_info: str) -> None:
        super().__init__(path_info)
        self.path_info = path_info


class _SlashRequired(Exception):
    pass


class _Node:
    __slots__ = ("dynamic", "rules", "static")

    def __init__(self) -> None:
        self.dynamic: list[tuple[RulePart, _Node]] = []
        self.rules: list[Rule] = []
        self.static: dict[str, _Node] = {}


class Matcher:
    """Finds the rule for a ``(domain, path, method)``; built by ``Map.update()``."""

    def __init__(self, merge_slashes: bool) -> None:
        self.merge_slashes = merge_slashes
        self._root = _Node()
        # domain -> path -> rules, for rules without any variable: the fast path.
        self._static: dict[str, dict[str, list[Rule]]] = {}
        # domain -> the node below "<domain>/" (set by finish()), for _first_branch.
        self._starts: dict[str, _Node] = {}

    def add(self, rule: Rule) -> None:
        node = self._root
        for part in rule._parts:
            if part.static:
                node = node.static.setdefault(part.pattern, _Node())
                continue
            for other, child in node.dynamic:
                if other.key == part.key:
                    node = child
                    break
            else:
                child = _Node()
                node.dynamic.append((part, child))
                node = child
        node.rules.append(rule)
        if all(part.static for part in rule._parts):
            domain = rule._parts[0].pattern
            path = "/".join(part.pattern for part in rule._parts[1:])
            self._static.setdefault(domain, {}).setdefault(path, []).append(rule)

    def finish(self) -> None:
        """Order dynamic transitions by weight, once all rules are added."""
        stack = [self._root]
        while stack:
            node = stack.pop()
            node.dynamic.sort(key=lambda entry: entry[0].weight)
            stack.extend(node.static.values())
            stack.extend(child for _, child in node.dynamic)
        # Where _first_branch starts for each plain static domain: the node below the
        # domain and the leading slash (the walk's own shortcut, see _walk), found once.
        root = self._root
        if not root.dynamic:
            for domain, domain_node in root.static.items():
                if not domain_node.dynamic and not domain_node.rules:
                    slash_node = domain_node.static.get("")
                    if slash_node is not None:
                        self._starts[domain] = slash_node

    def match(
        self, domain: str, path: str, method: str, websocket: bool = False
    ) -> tuple[Rule, dict[str, t.Any]]:
        """The rule and converted view arguments for *path*, or raise.

        Raises :class:`RequestPath` when only the canonical form matches and
        :class:`NoMatch` otherwise.
        """
        by_path = self._static.get(domain)
        if by_path is not None:
            rules = by_path.get(path)
            if rules is not None:
                for rule in rules:
                    if (rule.methods is None or method in rule.methods) and (
                        rule.websocket == websocket
                    ):
                        return rule, dict(rule.defaults) if rule.defaults else {}
        found = self._first_branch(domain, path, method, websocket)
        if found is not None:
            rule, raw_values = found
            values: dict[str, t.Any] = {}
            try:
                for (name, to_python), raw in zip(rule._to_python, raw_values, strict=True):
                    values[name] = to_python(raw)
            except ValidationError:
                pass  # the full walk finds the same rule and raises NoMatch
            else:
                if rule.defaults:
                    values.update(rule.defaults)
                return rule, values
        return self._match_tree(domain, path, method, websocket)

    def _walk(self, search: _Search, domain: str, path: str) -> tuple[Rule, list[str]] | None:
        root = self._root
        # Paths always start with "/": when the domain is a plain static one, start below
        # the domain and leading-slash nodes instead of walking through them every time.
        if not root.dynamic and path[:1] == "/":
            domain_node = root.static.get(domain)
            if domain_node is None:
                return None
            if not domain_node.dynamic and not domain_node.rules:
                slash_node = domain_node.static.get("")
                if slash_node is None:
                    return None
                return search.walk(slash_node, path[1:].split("/"), 0, [])
        return search.walk(root, [domain, *path.split("/")], 0, [])

    def _first_branch(
        self, domain: str, path: str, method: str, websocket: bool
    ) -> tuple[Rule, list[str]] | None:
        """The depth-first walk's first branch only, as a loop; None where it would go on.

        At each segment the full walk tries the static child first, then the dynamic tests
        in weight order, and returns the first branch that ends on a rule taking the method.
        Following the first option that matches at every segment is exactly the branch the
        full walk tries first, so when it ends on an accepting rule the result is the one
        the full walk would return. Anything else (no option at some segment, a test that
        spans segments, an end that needs _accept or the trailing-slash rules) returns None
        and the full walk decides, backtracking included. This is most requests to a rule
        with variables, without a _Search, a recursive call per segment, or a slice per test.
        """
        node = self._starts.get(domain)
        if node is None or path[:1] != "/":
            return None
        values: list[str] = []
        for part in path[1:].split("/"):
            child = node.static.get(part)
            if child is None:
                for test, dynamic_child in node.dynamic:
                    if test.final:
                        return None
                    match = test.regex.match(part)  # type: ignore[union-attr]
                    if match is not None:
                        if test.only_groups:
                            values += match.groups()
                        else:
                            for group in test.group_names:
                                values.append(match[group])
                        child = dynamic_child
                        break
                else:
                    return None
            node = child
        rules = node.rules
        if rules:
            first = rules[0]
            if (first.methods is None or method in first.methods) and (
                first.websocket == websocket
            ):
                return first, values
        return None

    def _match_tree(
        self, domain: str, path: str, method: str, websocket: bool
    ) -> tuple[Rule, dict[str, t.Any]]:
        search = _Search(method, websocket)
        try:
            found = self._walk(search, domain, path)
        except _SlashRequired:
            raise RequestPath(f"{path}/") from None
        if found is None and self.merge_slashes and "//" in path:
            merged = _MULTI_SLASH.sub("/", path)
            try:
                found = self._walk(search, domain, merged)
            except _SlashRequired:
                raise RequestPath(f"{merged}/") from None
            if found is not None and found[0].merge_slashes is not False:
                raise RequestPath(merged)
            raise NoMatch(search.have_match_for, search.websocket_mismatch)
        if found is None:
            raise NoMatch(search.have_match_for, search.websocket_mismatch)
        rule, raw_values = found
        values = {}
        for (name, converter), raw in zip(rule._converters.items(), raw_values, strict=True):
            try:
                values[name] = converter.to_python(raw)
            except ValidationError:
                raise NoMatch(search.have_match_for, search.websocket_mismatch) from None
        if rule.defaults:
            values.update(rule.defaults)
        return rule, values


class _Search:
    """One depth-first walk; remembers methods that matched the path but not the method."""

    __slots__ = ("have_match_for", "method", "websocket", "websocket_mismatch")

    def __init__(self, method: str, websocket: bool) -> None:
        self.method = method
        self.websocket = websocket
        self.have_match_for: set[str] = set()
        self.websocket_mismatch = False

    def _accept(self, rules: list[Rule], strict_only: bool = False) -> Rule | None:
        for rule in rules:
            if strict_only and rule.strict_slashes:
                continue
            if rule.methods is not None and self.method not in rule.methods:
                self.have_match_for.update(rule.methods)
            elif rule.websocket != self.websocket:
                self.websocket_mismatch = True
            else:
                return rule
        return None

    def walk(
        self, node: _Node, parts: list[str], i: int, values: list[str]
    ) -> tuple[Rule, list[str]] | None:
        """Match ``parts[i:]`` below *node*; *values* collects the raw converter texts.

        Indices and one shared *values* list (truncated on backtracking) avoid allocating a
        list per level: this runs for every request to a rule with variables.
        """
        end = len(parts)
        if i == end:
            rules = node.rules
            # The usual end of a match: the node's first rule takes this method (what
            # _accept would find first, without the call).
            if rules:
                first = rules[0]
                if (first.methods is None or self.method in first.methods) and (
                    first.websocket == self.websocket
                ):
                    return first, values
            rule = self._accept(rules)
            if rule is not None:
                return rule, values
            slash_node = node.static.get("")
            if slash_node is not None:
                for rule in slash_node.rules:
                    if rule.websocket == self.websocket and (
                        rule.methods is None or self.method in rule.methods
                    ):
                        if rule.strict_slashes:
                            raise _SlashRequired()
                        return rule, values
            return None

        part = parts[i]
        child = node.static.get(part)
        if child is not None:
            found = self.walk(child, parts, i + 1, values)
            if found is not None:
                return found
        if node.dynamic:
            mark = len(values)
            for test, child in node.dynamic:
                assert test.regex is not None
                match = test.regex.match("/".join(parts[i:]) if test.final else part)
                if match is None:
                    continue
                for group in test.group_names:
                    values.append(match[group])
                if test.final:
                    if test.suffixed and match.groups()[-1] == "/":
                        found = self.walk(child, [""], 0, values)
                    else:
                        found = self.walk(child, parts, end, values)
                else:
                    found = self.walk(child, parts, i + 1, values)
                if found is not None:
                    return found
                del values[mark:]

        if i == end - 1 and part == "":
            rule = self._accept(node.rules, strict_only=True)
            if rule is not None:
                return rule, values
        return None
