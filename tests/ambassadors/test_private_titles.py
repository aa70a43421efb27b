"""The CRM's view of ambassadors (API, export) names no topic or category: a member's
activity in the lounge counts towards their score without being described."""

from __future__ import annotations

from app.accounts import tokens
from app.core.events import commit
from app.forum.categories import create_category


def test_the_api_and_the_export_carry_no_titles(app, client, community, run_identify):
    community.category = create_category(
        "Ambassadors lounge", "lounge", required_capability="category.lounge"
    )
    commit()
    community.member("star", answers=5, accepted=3, votes=2)
    for n in range(3):
        community.member(answers=3 + n)
    run_identify()
    _, secret = tokens.create_token("CRM sync", created_by=None)
    commit()
    answer = client.get("/api/v1/ambassadors", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200 and answer.get_json()["members"]
    outputs = [answer.get_data(as_text=True)]
    for fmt in ("csv", "jsonl"):
        result = app.test_cli_runner().invoke(args=["ambassadors", "export", "--format", fmt])
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    for output in outputs:
        assert "star" in output
        assert "Question " not in output and "lounge" not in output.lower()
