"""The one ISO 8601 formatter and parser every layer uses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from calgate.timefmt import Timespec, iso_z, parse_iso, parse_iso_query

pytestmark = pytest.mark.pure

MOMENT = datetime(2026, 2, 13, 18, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1)))


@pytest.mark.parametrize(
    ("timespec", "expected"),
    [
        ("milliseconds", "2026-02-13T17:00:00.123Z"),
        ("seconds", "2026-02-13T17:00:00Z"),
        ("microseconds", "2026-02-13T17:00:00.123456Z"),
        ("auto", "2026-02-13T17:00:00.123456Z"),
    ],
)
def test_iso_z_renders_utc_with_z(timespec: Timespec, expected: str) -> None:
    assert iso_z(MOMENT, timespec) == expected


def test_iso_z_default_is_cal_com_to_iso_string() -> None:
    assert iso_z(datetime(2026, 2, 13, 17, tzinfo=UTC)) == "2026-02-13T17:00:00.000Z"


def test_parse_iso_reads_z_and_offsets() -> None:
    assert parse_iso("2026-02-13T17:00:00Z") == datetime(2026, 2, 13, 17, tzinfo=UTC)
    assert parse_iso("2026-02-13T18:00:00+01:00") == datetime(2026, 2, 13, 17, tzinfo=UTC)
    with pytest.raises(ValueError, match="Invalid isoformat"):
        parse_iso("13/02/2026")


def test_parse_iso_query_restores_a_plus_sent_unencoded() -> None:
    assert parse_iso_query("2026-02-13T18:00:00 01:00") == datetime(2026, 2, 13, 17, tzinfo=UTC)
