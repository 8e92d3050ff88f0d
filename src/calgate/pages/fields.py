"""The booking form: the event type's `bookingFields` as form inputs, and a submitted form as
what `NewBooking` needs (the same values `POST /v2/bookings` carries)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_TEXT = 5000
MAX_GUESTS = 50
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# What the form asks when the event type keeps Cal.com's default questions (stored as []).
DEFAULT_FIELDS: tuple[dict[str, Any], ...] = (
    {"type": "name", "slug": "name", "label": "Your name", "required": True},
    {"type": "email", "slug": "email", "label": "Email address", "required": True},
    {"type": "radioInput", "slug": "location", "label": "Location", "required": False},
    {"type": "textarea", "slug": "notes", "label": "Additional notes", "required": False},
    {"type": "multiemail", "slug": "guests", "label": "Add guests", "required": False},
)
# Cal.com's question types, as HTML controls.
_CONTROLS = {
    "name": "text",
    "text": "text",
    "address": "text",
    "email": "email",
    "phone": "tel",
    "number": "number",
    "textarea": "textarea",
    "multiemail": "textarea",
    "select": "select",
    "radio": "radio",
    "radioInput": "radio",
    "multiselect": "checkboxes",
    "checkbox": "checkboxes",
    "boolean": "checkbox",
    "url": "url",
}
_NOT_ASKED = {"title", "rescheduleReason"}


@dataclass(frozen=True)
class FormField:
    slug: str
    label: str
    control: str
    required: bool
    options: tuple[tuple[str, str], ...] = ()
    placeholder: str = ""


@dataclass
class Submission:
    name: str = ""
    email: str = ""
    guests: tuple[str, ...] = ()
    location: str | None = None
    responses: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _options(
    raw: dict[str, Any], locations: Sequence[Mapping[str, Any]]
) -> tuple[tuple[str, str], ...]:
    if raw.get("slug") == "location":
        return tuple((v, v) for v in (location_text(loc) for loc in locations) if v)
    found = []
    for opt in raw.get("options") or []:
        if isinstance(opt, Mapping):
            value = str(opt.get("value", opt.get("label", "")))
            found.append((value, str(opt.get("label", value))))
        else:
            found.append((str(opt), str(opt)))
    return tuple(found)


def location_text(loc: Mapping[str, Any]) -> str | None:
    """A location as the booking stores it (what `POST /v2/bookings` stores for the same)."""
    for key in ("address", "link", "phone", "location"):
        if loc.get(key):
            return str(loc[key])
    if loc.get("type") == "integration" and loc.get("integration"):
        return f"integrations:{loc['integration']}"
    kind = loc.get("type")
    return str(kind) if kind else None


def form_fields(
    booking_fields: Sequence[Mapping[str, Any]], locations: Sequence[Mapping[str, Any]]
) -> list[FormField]:
    shown = []
    for raw in booking_fields or DEFAULT_FIELDS:
        slug = str(raw.get("slug") or raw.get("name") or "")
        if not slug or slug in _NOT_ASKED or raw.get("hidden"):
            continue
        control = _CONTROLS.get(str(raw.get("type")), "text")
        options = _options(dict(raw), locations)
        if slug == "location" and len(options) < 2:
            continue  # nothing to choose: the event type's one location (or none) applies
        required = bool(raw.get("required")) or slug in ("name", "email")
        label = str(raw.get("label") or slug)
        shown.append(
            FormField(slug, label, control, required, options, str(raw.get("placeholder") or ""))
        )
    for slug, label, control in (
        ("name", "Your name", "text"),
        ("email", "Email address", "email"),
    ):
        if not any(f.slug == slug for f in shown):
            shown.insert(0 if slug == "name" else 1, FormField(slug, label, control, True))
    return shown


def _one(form: Mapping[str, list[str]], slug: str) -> str:
    values = form.get(slug) or [""]
    return values[0].strip()


def parse(fields: Sequence[FormField], form: Mapping[str, list[str]]) -> Submission:
    """The submitted answers, or per-field errors to show beside the inputs."""
    out = Submission()
    for f in fields:
        if f.control == "checkboxes":
            value: Any = [v for v in form.get(f.slug, []) if v]
            missing = not value
        elif f.control == "checkbox":
            value = _one(form, f.slug) in ("on", "true", "1")
            missing = not value
        else:
            value = _one(form, f.slug)
            missing = value == ""
        if isinstance(value, str) and len(value) > MAX_TEXT:
            out.errors[f.slug] = f"{f.label} is too long"
            continue
        if missing:
            if f.required:
                out.errors[f.slug] = f"{f.label} is required"
            continue
        if f.options and f.control in ("select", "radio") and value not in dict(f.options):
            out.errors[f.slug] = f"Choose one of the offered options for {f.label}"
            continue
        _assign(out, f, value)
    return out


def _assign(out: Submission, f: FormField, value: Any) -> None:
    if f.slug == "name":
        out.name = value
    elif f.slug == "email":
        if not _EMAIL.match(value):
            out.errors[f.slug] = "Enter a valid email address"
        out.email = value
    elif f.slug == "guests":
        guests = tuple(g for g in re.split(r"[\s,;]+", value) if g)
        bad = [g for g in guests if not _EMAIL.match(g)]
        if bad or len(guests) > MAX_GUESTS:
            out.errors[f.slug] = "Guests must be email addresses (at most 50)"
        out.guests = guests
    elif f.slug == "location":
        out.location = value
    elif f.control == "email" and not _EMAIL.match(value):
        out.errors[f.slug] = "Enter a valid email address"
    else:
        out.responses[f.slug] = value
