"""External signals: CSV import, idempotence, per-row errors, and their part in the score."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.ambassadors.models import EngagementScore, ExternalSignal, SegmentMember
from app.core.events import commit
from app.extensions import db

HEADER = "email,customer_id,kind,value,occurred_at,source,id\n"


def signal_count() -> int:
    return db.session.scalar(select(func.count()).select_from(ExternalSignal))


def write_csv(tmp_path, body: str, name: str = "signals.csv"):
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_a_csv_import_takes_good_rows_reports_bad_ones_and_is_idempotent(app, make_user, tmp_path):
    alice = make_user("alice")
    bruno = make_user("bruno")
    bruno.external_customer_id = "CRM-42"
    commit()
    path = write_csv(
        tmp_path,
        "alice@example.com,,purchase,89.90,2026-11-02,shop,order-1\n"
        ",CRM-42,review,5,2026-11-03T10:00:00Z,trustpilot,\n"
        "nobody@example.com,,event,1,2026-11-04,events,\n"
        "alice@example.com,,purchse,1,2026-11-04,shop,\n"
        "alice@example.com,,referral,abc,2026-11-04,shop,\n"
        "alice@example.com,,event,1,04/11/2026,events,\n"
        "alice@example.com,,event,1,2099-01-01,events,\n"
        ",,event,1,2026-11-04,events,\n",
    )
    runner = app.test_cli_runner()
    result = runner.invoke(args=["signals", "import", str(path)])
    assert result.exit_code == 1
    assert "Imported 2 signals; 0 already known; 6 refused." in result.output
    assert f"{path}:4: email: no member with email 'nobody@example.com'" in result.output
    assert f"{path}:5: kind: 'purchse' is not one of" in result.output
    assert f"{path}:6: value: 'abc' is not a number" in result.output
    assert f"{path}:7: occurred_at: '04/11/2026' is not an ISO date" in result.output
    assert f"{path}:8: occurred_at: '2099-01-01' is in the future" in result.output
    assert f"{path}:9: email: give the member's email or customer_id" in result.output
    assert signal_count() == 2
    review = db.session.scalars(select(ExternalSignal).where(ExternalSignal.kind == "review")).one()
    assert review.user_id == bruno.id and review.value == 5.0
    purchase = db.session.scalars(
        select(ExternalSignal).where(ExternalSignal.kind == "purchase")
    ).one()
    assert purchase.user_id == alice.id

    again = runner.invoke(args=["signals", "import", str(path)])
    assert "Imported 0 signals; 2 already known; 6 refused." in again.output
    assert signal_count() == 2


def test_an_import_never_creates_members(app, make_user, tmp_path):
    from app.accounts.models import User

    make_user("alice")
    before = db.session.scalar(select(func.count()).select_from(User))
    path = write_csv(tmp_path, "stranger@example.com,,purchase,1,2026-11-02,shop,\n")
    result = app.test_cli_runner().invoke(args=["signals", "import", str(path)])
    assert result.exit_code == 1
    assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_a_file_without_the_needed_columns_is_refused_whole(app, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("mail,what\nalice@example.com,purchase\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["signals", "import", str(path)])
    assert result.exit_code == 1
    assert "line 1: missing column(s) kind, occurred_at, source, email or customer_id" in (
        result.output
    )


def test_a_file_that_is_not_utf8_is_refused_clearly(app, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "zoé@example.com,,event,1,2026-11-02,x,\n").encode("latin-1"))
    result = app.test_cli_runner().invoke(args=["signals", "import", str(path)])
    assert result.exit_code == 1
    assert "not UTF-8 text" in result.output


def test_signals_raise_the_score_but_never_beyond_the_forum_part(app, community, run_identify):
    community.member("star", answers=5, accepted=3)  # the ambassador
    helper = community.member("helper", answers=3)  # forum score 3 x 2 + 1 day = 7
    shopper = community.member("shopper", answers=3)
    at = community.now - timedelta(days=3)
    for n in range(40):
        db.session.add(
            ExternalSignal(
                user_id=shopper.id, kind="referral", value=1, occurred_at=at, source="crm",
                dedupe_key=f"referral-{n}",
            )
        )  # fmt: skip
    db.session.add(
        ExternalSignal(
            user_id=helper.id, kind="review", value=4, occurred_at=at, source="shop",
            dedupe_key="review-1",
        )
    )  # fmt: skip
    commit()
    run = run_identify()
    scores = {
        row.user_id: row
        for row in db.session.scalars(
            select(EngagementScore).where(EngagementScore.run_id == run.figures["run_id"])
        )
    }
    assert scores[helper.id].reviews == 0.8
    assert scores[helper.id].external_score == 0.8 * 4.0
    assert scores[shopper.id].external_raw == 40 * 6.0
    assert scores[shopper.id].external_score == scores[shopper.id].forum_score  # capped
    opportunists = set(
        db.session.scalars(
            select(SegmentMember.user_id).where(SegmentMember.segment == "opportunist")
        )
    )
    assert shopper.id in opportunists
    assert helper.id not in opportunists
