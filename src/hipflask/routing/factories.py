"""Rule factories (Werkzeug's): groups of rules that rewrite the rules they contain.

``Map([Submount("/api", [Rule("/users", endpoint="users")])])`` adds ``/api/users``. A
factory's :meth:`~RuleFactory.get_rules` yields unbound copies, so the rules given to it
can be reused in other maps or factories.
"""

from __future__ import annotations

import typing as t
from string import Template

from .rules import Rule

if t.TYPE_CHECKING:
    from .map import Map


class RuleFactory:
    """Base class: anything with ``get_rules(map)`` yielding rules can be added to a map."""

    def get_rules(self, map: Map) -> t.Iterable[Rule]:
        """The rules this factory contributes to *map*."""
        raise NotImplementedError


def _expand(rules: t.Iterable[Rule | RuleFactory], map: Map) -> t.Iterator[Rule]:
    for factory in rules:
        for rule in factory.get_rules(map):
            yield rule.empty()


class Subdomain(RuleFactory):
    """Puts every rule inside on *subdomain*."""

    def __init__(self, subdomain: str, rules: t.Iterable[Rule | RuleFactory]) -> None:
        self.subdomain = subdomain
        self.rules = rules

    def get_rules(self, map: Map) -> t.Iterator[Rule]:
        """The rules, each with this subdomain."""
        for rule in _expand(self.rules, map):
            rule.subdomain = self.subdomain
            yield rule


class Submount(RuleFactory):
    """Prefixes every rule inside with the path *path* (``/api`` + ``/users``)."""

    def __init__(self, path: str, rules: t.Iterable[Rule | RuleFactory]) -> None:
        self.path = path.rstrip("/")
        self.rules = rules

    def get_rules(self, map: Map) -> t.Iterator[Rule]:
        """The rules, each under this path."""
        for rule in _expand(self.rules, map):
            rule.rule = self.path + rule.rule
            yield rule


class EndpointPrefix(RuleFactory):
    """Prefixes the endpoint of every rule inside with *prefix*."""

    def __init__(self, prefix: str, rules: t.Iterable[Rule | RuleFactory]) -> None:
        self.prefix = prefix
        self.rules = rules

    def get_rules(self, map: Map) -> t.Iterator[Rule]:
        """The rules, each with the prefixed endpoint."""
        for rule in _expand(self.rules, map):
            rule.endpoint = self.prefix + rule.endpoint
            yield rule


class RuleTemplate:
    """Rules with ``$name`` placeholders (:class:`string.Template` syntax) in their path,
    endpoint, subdomain and string defaults; calling it with values makes a factory."""

    def __init__(self, rules: t.Iterable[Rule | RuleFactory]) -> None:
        self.rules = list(rules)

    def __call__(self, *args: t.Any, **kwargs: t.Any) -> RuleTemplateFactory:
        """A factory with the placeholders filled from ``dict(*args, **kwargs)``."""
        return RuleTemplateFactory(self.rules, dict(*args, **kwargs))


class RuleTemplateFactory(RuleFactory):
    """What calling a :class:`RuleTemplate` returns."""

    def __init__(self, rules: t.Iterable[Rule | RuleFactory], context: dict[str, t.Any]) -> None:
        self.rules = rules
        self.context = context

    def get_rules(self, map: Map) -> t.Iterator[Rule]:
        """The rules with the placeholders substituted."""

        def fill(value: str) -> str:
            return Template(value).substitute(self.context)

        for factory in self.rules:
            for rule in factory.get_rules(map):
                defaults = None
                if rule.defaults:
                    defaults = {
                        key: fill(value) if isinstance(value, str) else value
                        for key, value in rule.defaults.items()
                    }
                subdomain = fill(rule.subdomain) if rule.subdomain is not None else None
                endpoint = rule.endpoint
                if isinstance(endpoint, str):
                    endpoint = fill(endpoint)
                yield Rule(
                    fill(rule.rule),
                    defaults,
                    subdomain,
                    rule.methods,
                    rule.build_only,
                    endpoint,
                    rule.strict_slashes,
                )


__all__ = [
    "EndpointPrefix",
    "RuleFactory",
    "RuleTemplate",
    "RuleTemplateFactory",
    "Subdomain",
    "Submount",
]
