"""An event type's booking questions: Cal.com's default questions merged with the custom ones
(the 2024-06-14 output form), and the rules a booking's answers must follow.

The rules are Cal.com's (its booking-responses schema): a required question that is not hidden
must be answered; an answer has its question's type (number, boolean, email, phone, url, a list
for multi-choice types) and, for choice questions, is among the options. Answers to questions
the event type doesn't ask are kept as they are, as Cal.com keeps them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


def default_booking_fields() -> list[dict[str, Any]]:
    return [
        {
            "isDefault": True,
            "type": "name",
            "slug": "name",
            "label": "Your name",
            "required": True,
            "placeholder": "",
            "disableOnPrefill": False,
        },
        {
            "isDefault": True,
            "type": "email",
            "slug": "email",
            "label": "Email address",
            "required": True,
            "placeholder": "",
            "disableOnPrefill": False,
            "hidden": False,
        },
        {
            "isDefault": True,
            "type": "radioInput",
            "slug": "location",
            "label": "Location",
            "required": False,
            "hidden": False,
        },
        {
            "isDefault": True,
            "type": "text",
            "slug": "title",
            "label": "What is this meeting about?",
            "required": True,
            "hidden": True,
            "placeholder": "",
            "disableOnPrefill": False,
        },
        {
            "isDefault": True,
            "type": "textarea",
            "slug": "notes",
            "label": "Additional notes",
            "required": False,
            "hidden": False,
            "placeholder": "",
            "disableOnPrefill": False,
        },
        {
            "isDefault": True,
            "type": "multiemail",
            "slug": "guests",
            "label": "Add guests",
            "required": False,
            "hidden": False,
            "placeholder": "",
            "disableOnPrefill": False,
        },
        {
            "isDefault": True,
            "type": "textarea",
            "slug": "rescheduleReason",
            "label": "Reason for reschedule",
            "required": False,
            "hidden": False,
            "placeholder": "",
            "disableOnPrefill": False,
        },
    ]


# Custom field types whose output carries a placeholder (the document requires it for them).
_PLACEHOLDER_TYPES = {"text", "textarea", "number", "phone", "address", "url", "multiemail",
                      "select", "multiselect"}  # fmt: skip


def _default_slug(field: dict[str, Any], slugs: set[str]) -> str | None:
    """The default question a stored field customises, if it is one."""
    slug = field.get("slug")
    if slug in slugs:
        return str(slug)
    if slug is None and field.get("type") in ("name", "email"):
        return str(field["type"])
    return None


def merged_booking_fields(stored: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """An event type's questions as Cal.com answers them: the seven defaults always present
    (customised by any stored field with their slug), then the custom questions, each marked
    `isDefault: false` with the output fields the document requires.
    """
    defaults = default_booking_fields()
    by_slug = {d["slug"]: d for d in defaults}
    custom: list[dict[str, Any]] = []
    for field in stored or []:
        slug = _default_slug(field, set(by_slug))
        if slug is not None:
            # The default's identity (type, slug) stays; label, required, hidden... may change.
            overrides = {k: v for k, v in field.items() if k not in ("type", "slug")}
            by_slug[slug].update({**overrides, "isDefault": True})
            continue
        out = {"required": False, "hidden": False, **field, "isDefault": False}
        if out.get("type") in _PLACEHOLDER_TYPES:
            out.setdefault("placeholder", "")
        out.setdefault("label", str(out.get("slug") or ""))
        custom.append(out)
    return [by_slug[d["slug"]] for d in defaults] + custom


@dataclass(frozen=True)
class Problem:
    """One answer that breaks its question's rule: the question's slug and what is wrong."""

    slug: str
    message: str


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# E.164 once spaces, dashes, dots and parentheses are removed: Cal.com wants an international
# number (libphonenumber's isValidPhoneNumber), so a leading + and 7 to 15 digits.
_PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")
_PHONE_NOISE = re.compile(r"[\s().-]")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
_SEPARATORS = re.compile(r"[\s,;]+")
# Questions whose answer the booking carries elsewhere and checks there (the attendee, the
# location choice), or never asks of the booker.
_NOT_CHECKED_TYPES = {"name", "radioInput"}
_LIST_TYPES = {"multiselect", "checkbox", "multiemail"}
_CHOICE_TYPES = {"select", "radio", "multiselect", "checkbox"}


def _option_values(field: Mapping[str, Any]) -> set[str] | None:
    options = field.get("options")
    if not options:
        return None
    values = set()
    for opt in options:
        if isinstance(opt, Mapping):
            values.add(str(opt.get("value", opt.get("label", ""))))
        else:
            values.add(str(opt))
    return values


def _unanswered(kind: str, value: Any) -> bool:
    # A required yes/no question (terms to accept) is answered only by ticking it.
    return value is None or value == "" or value == [] or (kind == "boolean" and value is False)


def _as_list(kind: str, value: Any) -> Any:
    """A list type's answer as a list: Cal.com takes a single value as a one-item list, and the
    booking page's text box sends several addresses in one string."""
    if isinstance(value, str):
        return [v for v in _SEPARATORS.split(value) if v] if kind == "multiemail" else [value]
    return value


def _type_problem(kind: str, value: Any) -> str | None:
    """What is wrong with `value` as an answer of type `kind`, or None."""
    if kind in _LIST_TYPES:
        value = _as_list(kind, value)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "must be a list of strings"
        if kind == "multiemail" and not all(_EMAIL.match(v) for v in value):
            return "must be a list of email addresses"
        return None
    if kind == "boolean":
        return None if isinstance(value, bool) else "must be true or false"
    if kind == "number":
        if isinstance(value, bool):
            return "must be a number"
        if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.match(value)):
            return None
        return "must be a number"
    if not isinstance(value, str):
        return "must be a string"
    if kind == "email" and not _EMAIL.match(value):
        return "must be an email address"
    if kind == "phone" and not _PHONE.match(_PHONE_NOISE.sub("", value)):
        return "must be a phone number in international format (+ and country code)"
    if kind == "url" and not _URL.match(value):
        return "must be an http(s) URL"
    return None


def response_problems(
    stored: Sequence[Mapping[str, Any]] | None, responses: Mapping[str, Any]
) -> list[Problem]:
    """Every answer in `responses` that breaks a question of the event type (stored fields)."""
    problems: list[Problem] = []
    for field in merged_booking_fields([dict(f) for f in stored or []]):
        slug = str(field.get("slug") or "")
        kind = str(field.get("type") or "text")
        if not slug or kind in _NOT_CHECKED_TYPES:
            continue
        value = responses.get(slug)
        if _unanswered(kind, value):
            # Hidden questions are not shown to the booker, so Cal.com never requires them.
            if field.get("required") and not field.get("hidden"):
                problems.append(Problem(slug, "is required"))
            continue
        wrong = _type_problem(kind, value)
        if wrong:
            problems.append(Problem(slug, wrong))
            continue
        allowed = _option_values(field) if kind in _CHOICE_TYPES else None
        if allowed is not None:
            chosen = _as_list(kind, value)
            outside = [str(v) for v in chosen if str(v) not in allowed]
            if outside:
                listed = ", ".join(sorted(allowed))
                problems.append(Problem(slug, f"must be one of the options ({listed})"))
    return problems
