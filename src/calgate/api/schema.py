"""Base classes for wire schemas."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, TypeVar

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer
from pydantic.alias_generators import to_camel

# Re-exported: the response shapes import it from here.
from calgate.timefmt import iso_z as iso_z


class Input(BaseModel):
    """Request bodies: camelCase on the wire, unknown properties refused as Cal.com does."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", str_strip_whitespace=False
    )

    def given(self) -> set[str]:
        """Field names the client actually sent (PATCH semantics)."""
        return set(self.model_fields_set)


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
