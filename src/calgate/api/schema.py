"""Base classes for wire schemas."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field
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


class Output(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True
    )


MAX_ID = 2_147_483_647
# Ids in paths and bodies: positive and within a 32-bit INTEGER column on every database.
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
BodyId = Annotated[int, Field(ge=1, le=MAX_ID)]
