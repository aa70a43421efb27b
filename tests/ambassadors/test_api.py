"""The JSON API, staff API tokens, and the CRM export."""

from __future__ import annotations

import csv
import hashlib
import io
import json

from sqlalchemy import select

from app.accounts import services as account_services
from app.accounts import tokens
from app.accounts.models import ApiToken
from app.ambassadors.models import ExternalSignal
from app.core.events import commit
from app.extensions import db


def new_token(name: str = "CRM sync") -> str:
    _, secret = tokens.create_token(name, created_by=None)
    commit()
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_tokens_are_stored_hashed_and_shown_once(app, login, staff, member):
    page = login(staff).post("/manage/tokens", {"name": "CRM sync"})
    assert page.status_code == 201
    html = page.get_data(as_text=True)
    secret = html.split('<code class="secret">')[1].split("</code>")[0]
    assert secret.startswith("trb_")
    token = db.session.scalars(select(ApiToken)).one()
    assert token.name == "CRM sync"
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in token.prefix + token.token_hash
    listing = login(staff).get("/manage/tokens").get_data(as_text=True)
    assert secret not in listing and token.prefix in listing
    assert login(member).get("/manage/tokens").status_code == 403
    assert login(staff).post("/manage/tokens", {"name": ""}).status_code == 422


def test_a_revoked_token_no_longer_opens_the_api(app, client, login, staff):
    secret = new_token()
    assert client.get("/api/v1/ambassadors", headers=bearer(secret)).status_code == 200
    token = db.session.scalars(select(ApiToken)).one()
    assert token.last_used_at is not None
    login(staff).post(f"/manage/tokens/{token.id}/revoke")
    refused = client.get("/api/v1/ambassadors", headers=bearer(secret))
    assert refused.status_code == 401
    assert "token" in refused.get_json()["error"]


def test_the_api_refuses_missing_and_wrong_tokens(app, client):
    assert client.get("/api/v1/ambassadors").status_code == 401
    wrong = client.post("/api/v1/signals", json=[], headers=bearer("trb_not-a-token"))
    assert wrong.status_code == 401
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer")


def test_posting_signals_reports_each_bad_row_and_keeps_the_good(app, client, make_user):
    make_user("alice")
    secret = new_token()
    rows = [
        {"email": "alice@example.com", "kind": "event", "occurred_at": "2026-11-20",
         "source": "events", "id": "meetup-7"},
        {"email": "alice@example.com", "kind": "vote", "occurred_at": "2026-11-20",
         "source": "x"},
        "not an object",
        {"customer_id": "NOPE", "kind": "event", "occurred_at": "2026-11-20", "source": "x"},
    ]  # fmt: skip
    answer = client.post("/api/v1/signals", json={"signals": rows}, headers=bearer(secret))
    assert answer.status_code == 200
    body = answer.get_json()
    assert (body["imported"], body["duplicates"], body["refused"]) == (1, 0, 3)
    assert [(e["index"], e["field"]) for e in body["errors"]] == [
        (1, "kind"),
        (2, "signal"),
        (3, "customer_id"),
    ]
    again = client.post("/api/v1/signals", json=rows[:1], headers=bearer(secret)).get_json()
    assert (again["imported"], again["duplicates"]) == (0, 1)
    assert len(db.session.scalars(select(ExternalSignal)).all()) == 1
    bad = client.post("/api/v1/signals", data="{", headers=bearer(secret))
    assert bad.status_code == 400 and "JSON" in bad.get_json()["error"]


def test_ambassadors_come_out_of_the_api_and_the_export(app, client, community, run_identify):
    star = community.member("star", answers=5, accepted=3, votes=2)
    for n in range(6):
        community.member(answers=3 + n)
    run_identify()
    secret = new_token()
    body = client.get("/api/v1/ambassadors?segment=ambassador", headers=bearer(secret)).get_json()
    assert body["run"]["eligible"] == 7
    assert [m["username"] for m in body["members"]] == ["star"]
    record = body["members"][0]
    assert record["email"] == star.email and record["rank"] == 1
    assert record["accepted_answers"] == 3
    assert record["score"] > 0 and body["next_page"] is None
    assert (
        client.get("/api/v1/ambassadors?per_page=5000", headers=bearer(secret)).status_code == 400
    )

    result = app.test_cli_runner().invoke(args=["ambassadors", "export", "--format", "csv"])
    assert result.exit_code == 0, result.output
    exported = list(csv.DictReader(io.StringIO(result.output)))
    ambassadors = [row for row in exported if row["segment"] == "ambassador"]
    assert [(row["username"], row["rank"]) for row in ambassadors] == [("star", "1")]
    assert {"helpful_votes", "forum_score", "customer_id"} <= set(exported[0])

    jsonl = app.test_cli_runner().invoke(
        args=["ambassadors", "export", "--format", "jsonl", "--segment", "ambassador"]
    )
    assert json.loads(jsonl.output.splitlines()[0])["username"] == "star"


def test_the_csv_export_writes_member_text_as_text_and_numbers_as_numbers(
    app, community, run_identify
):
    star = community.member("star", answers=5, accepted=3, votes=2, email="=1+2@example.com")
    account_services.set_customer_id(star, "-7731")
    commit()
    for n in range(6):
        community.member(answers=3 + n, email=f"+{n}@example.com")
    run_identify()

    result = app.test_cli_runner().invoke(args=["ambassadors", "export", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = {row["username"]: row for row in csv.DictReader(io.StringIO(result.output))}
    assert (rows["star"]["email"], rows["star"]["customer_id"]) == ("'=1+2@example.com", "'-7731")
    assert all(row["email"].startswith("'") for row in rows.values())
    assert rows["star"]["rank"] == "1" and float(rows["star"]["score"]) > 0


def test_tokens_from_the_command_line(app):
    runner = app.test_cli_runner()
    created = runner.invoke(args=["tokens", "create", "Shop"])
    assert created.exit_code == 0
    secret = created.output.splitlines()[0]
    assert tokens.authenticate(secret) is not None
    assert "Shop" in runner.invoke(args=["tokens", "list"]).output
    assert runner.invoke(args=["tokens", "revoke", "Shop"]).exit_code == 0
    assert tokens.authenticate(secret) is None
    assert runner.invoke(args=["tokens", "revoke", "Shop"]).exit_code == 1
    assert runner.invoke(args=["tokens", "create", "  "]).exit_code == 1


def test_an_imported_member_without_an_address_is_unreachable_not_a_placeholder(
    app, client, community, run_identify
):
    star = community.member("star", answers=5, accepted=3, votes=2)
    star.email = "imported+kettles-2@users.invalid"  # as an import leaves it
    commit()
    for n in range(6):
        community.member(answers=3 + n)
    run_identify()
    secret = new_token()
    body = client.get("/api/v1/ambassadors?segment=ambassador", headers=bearer(secret)).get_json()
    record = body["members"][0]
    assert record["username"] == star.username
    assert (record["email"], record["reachable"]) == ("", False)
    result = app.test_cli_runner().invoke(args=["ambassadors", "export", "--format", "csv"])
    rows = {row["username"]: row for row in csv.DictReader(io.StringIO(result.output))}
    assert "users.invalid" not in result.output
    assert (rows["star"]["email"], rows["star"]["reachable"]) == ("", "False")
    assert all(row["reachable"] == "True" for name, row in rows.items() if name != "star")
