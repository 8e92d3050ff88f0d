"""Typed PATCH changes: frozen dataclasses whose fields default to UNSET ("not sent").

None is a value there: on a nullable field it clears the field.
"""

from __future__ import annotations

from dataclasses import fields
from enum import Enum
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


class Unset(Enum):
    token = 0


UNSET: Final = Unset.token


def sent(changes: DataclassInstance) -> dict[str, Any]:
    """The fields of a change that were sent, by name."""
    return {
        f.name: getattr(changes, f.name)
        for f in fields(changes)
        if getattr(changes, f.name) is not UNSET
    }
