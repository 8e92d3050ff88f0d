"""Cal.com's default booking questions, in the 2024-06-14 output form."""

from __future__ import annotations

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
