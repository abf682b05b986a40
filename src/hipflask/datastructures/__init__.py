"""Containers for HTTP data (the equivalent of ``werkzeug.datastructures``).

Everything is importable from here; the submodules split it by concept.
"""

from __future__ import annotations

from .accept import Accept, CharsetAccept, LanguageAccept, MIMEAccept
from .auth import Authorization, WWWAuthenticate
from .cache_control import RequestCacheControl, ResponseCacheControl, cache_control_property
from .csp import ContentSecurityPolicy
from .etag import ETags
from .file_storage import FileMultiDict, FileStorage
from .headers import EnvironHeaders, Headers
from .mixins import (
    ImmutableDictMixin,
    ImmutableHeadersMixin,
    ImmutableListMixin,
    ImmutableMultiDictMixin,
    UpdateDictMixin,
)
from .range import ContentRange, IfRange, Range
from .structures import (
    CallbackDict,
    CombinedMultiDict,
    HeaderSet,
    ImmutableDict,
    ImmutableList,
    ImmutableMultiDict,
    ImmutableTypeConversionDict,
    MultiDict,
    TypeConversionDict,
    iter_multi_items,
)

__all__ = [
    "Accept",
    "Authorization",
    "CallbackDict",
    "CharsetAccept",
    "CombinedMultiDict",
    "ContentRange",
    "ContentSecurityPolicy",
    "ETags",
    "EnvironHeaders",
    "FileMultiDict",
    "FileStorage",
    "HeaderSet",
    "Headers",
    "IfRange",
    "ImmutableDict",
    "ImmutableDictMixin",
    "ImmutableHeadersMixin",
    "ImmutableList",
    "ImmutableListMixin",
    "ImmutableMultiDict",
    "ImmutableMultiDictMixin",
    "ImmutableTypeConversionDict",
    "LanguageAccept",
    "MIMEAccept",
    "MultiDict",
    "Range",
    "RequestCacheControl",
    "ResponseCacheControl",
    "TypeConversionDict",
    "UpdateDictMixin",
    "WWWAuthenticate",
    "cache_control_property",
    "iter_multi_items",
]
