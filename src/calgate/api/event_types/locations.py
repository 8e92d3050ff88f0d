"""Event-type locations: the 2024-06-14 API form <-> Cal.com's stored form.

Cal.com stores locations as `{"type": "integrations:daily"}`, `{"type": "inPerson", ...}` and
so on; the legacy API returns that stored form and the 2024-06-14 API a friendlier one.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from calgate.api.schema import Input, Name, Phone, Url

INTEGRATIONS = {
    "cal-video": "integrations:daily",
    "google-meet": "integrations:google:meet",
    "zoom": "integrations:zoom",
    "office365-video": "integrations:office365_video",
    "whereby-video": "integrations:whereby_video",
    "jitsi": "integrations:jitsi",
    "webex-video": "integrations:webex_video",
    "huddle": "integrations:huddle01",
    "tandem": "integrations:tandem",
    "facetime-video": "integrations:facetime_video",
    "discord-video": "integrations:discord_video",
    "whatsapp-video": "integrations:whatsapp_video",
    "skype-video": "integrations:skype_video",
}
Integration = Literal[
    "cal-video",
    "google-meet",
    "zoom",
    "office365-video",
    "whereby-video",
    "jitsi",
    "webex-video",
    "huddle",
    "tandem",
    "facetime-video",
    "discord-video",
    "whatsapp-video",
    "skype-video",
]
_BY_STORED = {v: k for k, v in INTEGRATIONS.items()}


class AddressLocation(Input):
    type: Literal["address"]
    address: Name = Field(min_length=1)
    public: bool = False


class LinkLocation(Input):
    type: Literal["link"]
    link: Url = Field(min_length=1)
    public: bool = False


class IntegrationLocation(Input):
    type: Literal["integration"]
    integration: Integration


class PhoneLocation(Input):
    type: Literal["phone"]
    phone: Phone = Field(min_length=3)
    public: bool = False


class AttendeeAddressLocation(Input):
    type: Literal["attendeeAddress"]


class AttendeePhoneLocation(Input):
    type: Literal["attendeePhone"]


class AttendeeDefinedLocation(Input):
    type: Literal["attendeeDefined"]


LocationInput = (
    AddressLocation
    | LinkLocation
    | IntegrationLocation
    | PhoneLocation
    | AttendeeAddressLocation
    | AttendeePhoneLocation
    | AttendeeDefinedLocation
)


def to_stored(location: LocationInput) -> dict[str, Any]:
    match location:
        case AddressLocation():
            return {
                "type": "inPerson",
                "address": location.address,
                "displayLocationPublicly": location.public,
            }
        case LinkLocation():
            return {
                "type": "link",
                "link": location.link,
                "displayLocationPublicly": location.public,
            }
        case IntegrationLocation():
            return {"type": INTEGRATIONS[location.integration]}
        case PhoneLocation():
            return {
                "type": "userPhone",
                "hostPhoneNumber": location.phone,
                "displayLocationPublicly": location.public,
            }
        case AttendeeAddressLocation():
            return {"type": "attendeeInPerson"}
        case AttendeePhoneLocation():
            return {"type": "phone"}
        case AttendeeDefinedLocation():
            return {"type": "somewhereElse"}
    raise AssertionError(location)  # pragma: no cover


def from_stored(stored: dict[str, Any]) -> dict[str, Any]:
    kind = stored.get("type", "")
    public = bool(stored.get("displayLocationPublicly", False))
    if kind == "inPerson":
        return {"type": "address", "address": stored.get("address", ""), "public": public}
    if kind == "link":
        return {"type": "link", "link": stored.get("link", ""), "public": public}
    if kind == "userPhone":
        return {"type": "phone", "phone": stored.get("hostPhoneNumber", ""), "public": public}
    if kind == "attendeeInPerson":
        return {"type": "attendeeAddress"}
    if kind == "phone":
        return {"type": "attendeePhone"}
    if kind == "somewhereElse":
        return {"type": "attendeeDefined"}
    if kind in _BY_STORED:
        return {"type": "integration", "integration": _BY_STORED[kind]}
    return {"type": "unknown", "location": str(stored)}
