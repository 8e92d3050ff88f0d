"""The rules a booking's answers follow (core.booking_fields.response_problems)."""

from __future__ import annotations

from typing import Any

import pytest

from calgate.core.booking_fields import response_problems

BASE = {"name": "Ann", "email": "ann@example.com"}


def slugs(fields: list[dict[str, Any]], answers: dict[str, Any]) -> list[str]:
    return [p.slug for p in response_problems(fields, {**BASE, **answers})]


def test_defaults_alone_ask_nothing_more() -> None:
    assert slugs([], {}) == []
    assert slugs([], {"notes": "hi", "guests": ["b@example.com"]}) == []
    assert slugs([], {"guests": ["not an email"]}) == ["guests"]


def test_hidden_required_questions_are_not_required() -> None:
    fields = [{"type": "text", "slug": "ref", "required": True, "hidden": True}]
    assert slugs(fields, {}) == []


@pytest.mark.parametrize(
    ("field", "good", "bad"),
    [
        ({"type": "number"}, [3, 2.5, "7", "-1"], ["x", True, [1]]),
        ({"type": "boolean"}, [True], ["true", 1]),
        ({"type": "email"}, ["a@b.co"], ["a@b", 5]),
        ({"type": "phone"}, ["+14155550100", "+44 (20) 7946-0000"], ["4155550100", "+1"]),
        ({"type": "url"}, ["https://example.com/x"], ["example.com", "ftp://x.y"]),
        ({"type": "select", "options": ["S", "M"]}, ["S"], ["L", ["S"]]),
        ({"type": "radio", "options": [{"label": "A", "value": "a"}]}, ["a"], ["A"]),
        ({"type": "multiselect", "options": ["x", "y"]}, [["x", "y"], [], "x"], [["z"], "z", [1]]),
        ({"type": "multiemail"}, [["a@b.co"], "a@b.co, c@d.co"], [["a@b.co", "x"], "a@b.co x"]),
        ({"type": "checkbox", "options": ["x"]}, [["x"]], [["x", "q"]]),
        ({"type": "text"}, ["words"], [5, {"a": 1}]),
    ],
)
def test_answers_have_their_questions_type(
    field: dict[str, Any], good: list[Any], bad: list[Any]
) -> None:
    fields = [{**field, "slug": "q", "required": False}]
    for value in good:
        assert slugs(fields, {"q": value}) == [], value
    for value in bad:
        assert slugs(fields, {"q": value}) == ["q"], value
    assert slugs(fields, {}) == []


def test_required_means_answered() -> None:
    fields = [
        {"type": "text", "slug": "company", "required": True},
        {"type": "boolean", "slug": "terms", "required": True},
        {"type": "multiselect", "slug": "topics", "required": True, "options": ["x"]},
    ]
    assert slugs(fields, {}) == ["company", "terms", "topics"]
    assert slugs(fields, {"company": "", "terms": False, "topics": []}) == [
        "company",
        "terms",
        "topics",
    ]
    assert slugs(fields, {"company": "Acme", "terms": True, "topics": ["x"]}) == []
