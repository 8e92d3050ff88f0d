"""The "not sent" marker of typed PATCH changes, where None is a value that clears a field."""

from __future__ import annotations

from enum import Enum
from typing import Final


class Unset(Enum):
    token = 0


UNSET: Final = Unset.token
