"""What members typed reaches the audit log's CSV as text, never as a formula."""

from __future__ import annotations

import csv
import io

from tests.support import form_submission

NOTES = ['=HYPERLINK("http://evil.example","Open")', "+1", "@SUM(1)", "-cmd", "Plain words"]


def test_flag_notes_come_out_of_the_log_csv_as_text(
    login, member, active_member, moderator, make_topic, make_answer
):
    topic = make_topic(member)
    flagger = login(active_member())
    posts = []
    for note in NOTES:
        answer = make_answer(member, topic, body=f"An answer to flag for {note!r}.")
        _, data = form_submission(
            flagger.get(f"/p/{answer.id}/flag").text,
            f"/p/{answer.id}/flag",
            reason="other",
            note=note,
        )
        assert flagger.post(f"/p/{answer.id}/flag", data=data).status_code == 302
        posts.append(answer.id)

    export = login(moderator).get("/manage/log.csv?action=flag.create")
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    export.close()
    assert sorted(row["reason"] for row in rows) == sorted(
        ["'" + note if note != "Plain words" else note for note in NOTES]
    )
    # The numbers Tribune writes itself stay numbers.
    assert sorted(int(row["target_id"]) for row in rows) == sorted(posts)
    assert all(not row["when"].startswith("'") for row in rows)
