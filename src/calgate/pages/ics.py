"""An iCalendar (RFC 5545) event for the confirmation page's download, built with the stdlib."""

from __future__ import annotations

from datetime import UTC, datetime


def _text(value: str) -> str:
    escaped = (
        value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
    )
    return escaped.replace("\r", "")


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    # Lines longer than 75 octets continue on the next line after one space (RFC 5545 3.1).
    raw = line.encode()
    parts = []
    while len(raw) > 75:
        cut = 75
        while cut > 0 and (raw[cut] & 0xC0) == 0x80:  # don't split a UTF-8 sequence
            cut -= 1
        parts.append(raw[:cut].decode())
        raw = raw[cut:]
    parts.append(raw.decode())
    return "\r\n ".join(parts)


def event(
    *,
    uid: str,
    start: datetime,
    end: datetime,
    summary: str,
    description: str,
    location: str | None,
    cancelled: bool,
    now: datetime,
) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//calgate//booking pages//EN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{_text(uid)}",
        f"DTSTAMP:{_stamp(now)}",
        f"DTSTART:{_stamp(start)}",
        f"DTEND:{_stamp(end)}",
        f"SUMMARY:{_text(summary)}",
        f"DESCRIPTION:{_text(description)}",
        *([f"LOCATION:{_text(location)}"] if location else []),
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
