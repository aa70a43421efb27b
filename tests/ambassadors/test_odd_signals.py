"""The signals API refuses odd JSON with a 400 or a per-row error, never a 500.

Before: JSON nested past the parser's depth was a RecursionError, a lone surrogate
(``"\\ud800"``, valid JSON) a UnicodeEncodeError in the database driver, a year-1 date
with a time zone an OverflowError, and a 30-digit ``page`` an integer overflow.
"""

from __future__ import annotations

import json

from sqlalchemy import func, select

from app.accounts import tokens
from app.ambassadors.models import ExternalSignal
from app.core.events import commit
from app.extensions import db


def _bearer() -> dict[str, str]:
    _, secret = tokens.create_token("CRM sync", created_by=None)
    commit()
    return {"Authorization": f"Bearer {secret}"}


def _signal(**fields: object) -> dict[str, object]:
    return {"email": "alice@example.com", "kind": "purchase", "occurred_at": "2026-11-20",
            "source": "shop", **fields}  # fmt: skip


def _stored() -> int:
    return db.session.scalar(select(func.count()).select_from(ExternalSignal))


def test_json_nested_past_the_parsers_depth_is_a_bad_request(app, client):
    headers = _bearer()
    for body in ("[" * 100_000 + "]" * 100_000, '{"signals": ' + "[" * 50_000 + "]" * 50_000 + "}",
                 '{"a":' * 50_000 + "1" + "}" * 50_000):  # fmt: skip
        answer = client.post(
            "/api/v1/signals", data=body, content_type="application/json", headers=headers
        )
        assert answer.status_code == 400
        assert "JSON" in answer.get_json()["error"]


def test_lone_surrogates_and_control_characters_are_refused_per_row(app, client, make_user):
    make_user("alice")
    rows = [
        _signal(email="alice\ud800@example.com"),
        _signal(source="shop\udfff"),
        _signal(customer_id="C\x00-1", email=None),
        _signal(kind="purchase\x00"),
        _signal(id="order\x1b-7"),
        _signal(),
    ]
    # json.dumps writes "\ud800" as the escape a client would send.
    body = json.dumps({"signals": rows})
    answer = client.post(
        "/api/v1/signals", data=body, content_type="application/json", headers=_bearer()
    )
    assert answer.status_code == 200
    result = answer.get_json()
    assert (result["imported"], result["refused"]) == (1, 5)
    assert [(e["index"], e["field"]) for e in result["errors"]] == [
        (0, "email"), (1, "source"), (2, "customer_id"), (3, "kind"), (4, "id"),
    ]  # fmt: skip
    assert all("control characters" in e["message"] for e in result["errors"])
    assert _stored() == 1


def test_dates_out_of_the_calendar_are_refused(app, client, make_user):
    make_user("alice")
    rows = [
        _signal(occurred_at="0001-01-01T00:00:00+05:00"),  # the year 0 in UTC
        _signal(occurred_at="0001-01-01"),
        _signal(occurred_at="1899-12-31T23:59:59Z"),
        _signal(occurred_at="9999-12-31T23:59:59-14:00"),  # past the year 9999 in UTC
        _signal(occurred_at="1900-01-01"),
    ]
    answer = client.post("/api/v1/signals", json=rows, headers=_bearer())
    assert answer.status_code == 200
    result = answer.get_json()
    assert (result["imported"], result["refused"]) == (1, 4)
    assert {e["field"] for e in result["errors"]} == {"occurred_at"}
    assert _stored() == 1


def test_a_page_past_any_last_page_is_a_bad_request(app, client):
    headers = _bearer()
    for page in ("9" * 30, "10000001", str(2**63)):
        answer = client.get(f"/api/v1/ambassadors?page={page}", headers=headers)
        assert answer.status_code == 400, page
        assert "page must be 1 to" in answer.get_json()["error"]
    assert client.get("/api/v1/ambassadors?page=10000000", headers=headers).status_code == 200
