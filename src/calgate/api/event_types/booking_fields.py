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
