"""Base classes for wire schemas, and the bounds on what a request body may store.

Every free-text field and JSON blob of an input schema is bounded (issue 12, defect 3): the
named field types below carry Cal.com-sized limits into the OpenAPI document, `Metadata` is
Cal.com's metadata rule, `Blob` bounds open-ended JSON (booking responses, routing), and
`Input` itself walks whatever else a body holds (properties a schema lets through, strings
without a bound of their own) against `BACKSTOP`, so no schema can store an unbounded value by
forgetting an annotation. README "Limits" has the table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, TypeVar

from fastapi import Path
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)
from pydantic.alias_generators import to_camel

# Re-exported: the response shapes import it from here.
from calgate.timefmt import iso_z as iso_z


@dataclass(frozen=True)
class JsonBounds:
    """How large one JSON value may be: per object, key, string and array, and how deep."""

    keys: int
    key_chars: int
    chars: int
    items: int
    depth: int

    def check(self, value: Any, depth: int = 0) -> None:
        """Raise ValueError (pydantic makes it a 400 naming the field) when a bound is over."""
        if depth > self.depth:
            raise ValueError(f"nests deeper than {self.depth} levels")
        if isinstance(value, BaseModel):
            value = {**dict(value), **(value.model_extra or {})}
        if isinstance(value, str):
            if len(value) > self.chars:
                raise ValueError(f"a text value is longer than {self.chars} characters")
        elif isinstance(value, Mapping):
            if len(value) > self.keys:
                raise ValueError(f"has more than {self.keys} keys")
            for key, item in value.items():
                if isinstance(key, str) and len(key) > self.key_chars:
                    raise ValueError(f"a key is longer than {self.key_chars} characters")
                self.check(item, depth + 1)
        elif isinstance(value, list | tuple):
            if len(value) > self.items:
                raise ValueError(f"has more than {self.items} items")
            for item in value:
                self.check(item, depth + 1)


# What any part of any body may hold when its field sets nothing tighter.
BACKSTOP = JsonBounds(keys=200, key_chars=255, chars=65_536, items=1_000, depth=32)
# Open-ended answers: booking question responses, routing form data, booking field definitions.
BLOB = JsonBounds(keys=100, key_chars=255, chars=10_000, items=100, depth=8)

# Cal.com: metadata has at most 50 keys, each key at most 40 characters, and string values at
# most 500 characters; values are strings, numbers or booleans.
METADATA_KEYS = 50
METADATA_KEY_CHARS = 40
METADATA_VALUE_CHARS = 500


def _metadata(value: dict[str, Any]) -> dict[str, Any]:
    if len(value) > METADATA_KEYS:
        raise ValueError(f"metadata can have at most {METADATA_KEYS} keys")
    for key, item in value.items():
        if len(key) > METADATA_KEY_CHARS:
            raise ValueError(f"metadata keys can be at most {METADATA_KEY_CHARS} characters")
        if isinstance(item, str) and len(item) > METADATA_VALUE_CHARS:
            raise ValueError(
                f"metadata values can be at most {METADATA_VALUE_CHARS} characters ({key!r})"
            )
        if not isinstance(item, str | int | float | bool):
            raise ValueError(f"metadata values must be strings, numbers or booleans ({key!r})")
    return value


def _blob(value: Any) -> Any:
    BLOB.check(value)
    return value


Metadata = Annotated[dict[str, Any], AfterValidator(_metadata)]
Blob = Annotated[dict[str, Any], AfterValidator(_blob)]
# A list of open-ended items (booking field definitions): each bounded like a blob.
BlobItems = AfterValidator(_blob)

NAME_CHARS = 255
TEXT_CHARS = 10_000
URL_CHARS = 2_048
# Names, titles, slugs, addresses, uids: one line of text.
Name = Annotated[str, Field(max_length=NAME_CHARS)]
# Descriptions, notes, bios: a few paragraphs.
Text = Annotated[str, Field(max_length=TEXT_CHARS)]
Url = Annotated[str, Field(max_length=URL_CHARS)]
TimeZoneName = Annotated[str, Field(max_length=64)]
Phone = Annotated[str, Field(max_length=32)]
Locale = Annotated[str, Field(max_length=16)]


class Input(BaseModel):
    """Request bodies: camelCase on the wire, unknown properties refused as Cal.com does."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", str_strip_whitespace=False
    )

    def given(self) -> set[str]:
        """Field names the client actually sent (PATCH semantics)."""
        return set(self.model_fields_set)

    @model_validator(mode="after")
    def _bounded(self) -> Any:
        BACKSTOP.check(self)
        return self


class OmitWhenNone:
    """Field marker: Cal.com leaves this optional output field out when it has no value."""


T = TypeVar("T")
# An optional output field: absent from the JSON when None (Cal.com's `@IsOptional()` fields are
# `undefined` there, and strict clients such as zod `.optional()` reject an explicit null).
Omittable = Annotated[T | None, OmitWhenNone()]


class Output(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True
    )
    # Serialized keys (name and alias) of the fields declared Omittable, per class.
    _omittable: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        keys: set[str] = set()
        for name, info in cls.model_fields.items():
            if any(isinstance(m, OmitWhenNone) for m in info.metadata):
                keys.update({name, info.serialization_alias or info.alias or name})
        cls._omittable = frozenset(keys)

    @model_serializer(mode="wrap")
    def _omit_empty(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if self._omittable and isinstance(data, dict):
            for key in self._omittable & data.keys():
                if data[key] is None:
                    del data[key]
        return data


MAX_ID = 2_147_483_647
# Ids in paths and bodies: positive and within a 32-bit INTEGER column on every database.
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
BodyId = Annotated[int, Field(ge=1, le=MAX_ID)]
