# ruff: noqa: UP045  (runtime aliases with string forward references need typing.Union)
"""Type aliases for annotating views and hooks (mirrors ``flask.typing``)."""

from __future__ import annotations

import collections.abc as cabc
import typing as t

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

    from .datastructures import Headers
    from .wrappers import Response

ResponseValue = t.Union[
    "Response",
    str,
    bytes,
    list[t.Any],
    t.Mapping[str, t.Any],
    t.Iterator[str],
    t.Iterator[bytes],
    cabc.AsyncIterable[str],
    cabc.AsyncIterable[bytes],
]
StatusCode = int
HeaderValue = t.Union[str, list[str], tuple[str, ...]]
HeadersValue = t.Union[
    "Headers",
    t.Mapping[str, HeaderValue],
    t.Sequence[tuple[str, HeaderValue]],
]
ResponseReturnValue = t.Union[
    ResponseValue,
    tuple[ResponseValue, HeadersValue],
    tuple[ResponseValue, int],
    tuple[ResponseValue, int, HeadersValue],
    "WSGIApplication",
]
ResponseClass = t.TypeVar("ResponseClass", bound="Response")
AppOrBlueprintKey = t.Optional[str]
AfterRequestCallable = t.Callable[[t.Any], t.Any]
BeforeFirstRequestCallable = t.Callable[[], t.Any]
BeforeRequestCallable = t.Callable[[], t.Any]
ShellContextProcessorCallable = t.Callable[[], dict[str, t.Any]]
TeardownCallable = t.Callable[[t.Optional[BaseException]], t.Any]
TemplateContextProcessorCallable = t.Callable[[], dict[str, t.Any]]
TemplateFilterCallable = t.Callable[..., t.Any]
TemplateGlobalCallable = t.Callable[..., t.Any]
TemplateTestCallable = t.Callable[..., bool]
URLDefaultCallable = t.Callable[[str, dict[str, t.Any]], None]
URLValuePreprocessorCallable = t.Callable[[t.Optional[str], t.Optional[dict[str, t.Any]]], None]
ErrorHandlerCallable = t.Callable[[t.Any], ResponseReturnValue]
RouteCallable = t.Callable[..., ResponseReturnValue]
