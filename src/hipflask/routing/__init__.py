"""URL routing (the equivalent of ``werkzeug.routing``): rules, converters, the map."""

from .converters import (
    AnyConverter,
    BaseConverter,
    FloatConverter,
    IntegerConverter,
    NumberConverter,
    PathConverter,
    UnicodeConverter,
    UUIDConverter,
    ValidationError,
)
from .exceptions import BuildError, RequestRedirect, RoutingException, WebsocketMismatch
from .factories import (
    EndpointPrefix,
    RuleFactory,
    RuleTemplate,
    RuleTemplateFactory,
    Subdomain,
    Submount,
)
from .map import Map, MapAdapter
from .rules import Rule, parse_converter_args

__all__ = [
    "AnyConverter",
    "BaseConverter",
    "BuildError",
    "EndpointPrefix",
    "FloatConverter",
    "IntegerConverter",
    "Map",
    "MapAdapter",
    "NumberConverter",
    "PathConverter",
    "RequestRedirect",
    "RoutingException",
    "Rule",
    "RuleFactory",
    "RuleTemplate",
    "RuleTemplateFactory",
    "Subdomain",
    "Submount",
    "UUIDConverter",
    "UnicodeConverter",
    "ValidationError",
    "WebsocketMismatch",
    "parse_converter_args",
]
