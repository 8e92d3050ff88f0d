"""Locations in Cal.com's stored form, as bookings see them."""

from __future__ import annotations

from typing import Any


def booking_location(stored: list[dict[str, Any]]) -> str | None:
    """The location string a new booking gets: the first configured location."""
    if not stored:
        return None
    first = stored[0]
    kind = str(first.get("type", ""))
    if kind == "inPerson":
        return str(first.get("address") or kind)
    if kind == "link":
        return str(first.get("link") or kind)
    if kind == "userPhone":
        return str(first.get("hostPhoneNumber") or kind)
    return kind
