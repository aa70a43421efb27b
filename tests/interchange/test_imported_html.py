"""HTML bodies brought in by an import lose every way to run script or cover the page.

(SVG and MathML go whole, their text with them: the sanitizer keeps no foreign content.)

Imported bodies (``"format": "html"`` in the interchange format, every Stack Exchange
post) skip Markdown and go straight through the allow-list of app.core.text. Each case
below is imported as a topic's opening post and an answer; what is stored, and the
topic page a visitor reads, must hold none of the case's dangerous parts and must keep
its harmless ones (so a sanitizer that drops everything would not pass either).
"""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core.events import commit
from app.extensions import db
from app.forum.models import Post, Topic
from app.interchange.importer import Importer

# (name, imported body, parts that must be gone, parts that must stay)
CASES = [
    ("img onerror",
     '<p>Look: <img src="https://example.com/a.png" alt="the tank" onerror="alert(1)"></p>',
     ["onerror", "alert"], ['<img src="https://example.com/a.png" alt="the tank">']),
    ("img onload, upper case, unquoted",
     "<IMG SRC=https://example.com/b.png ONLOAD=alert(2) OnError  =alert(3)>",
     ["onload", "onerror", "alert"], ['<img src="https://example.com/b.png">']),
    ("handlers on links and paragraphs",
     '<p onmouseover="alert(4)">Read <a href="https://example.com/manual" onclick="alert(5)"'
     ' onfocus="alert(6)" title="manual">the manual</a></p>',
     ["onmouseover", "onclick", "onfocus", "alert"],
     ['<a href="https://example.com/manual" title="manual" rel="nofollow ugc">'
      "the manual</a>"]),
    ("javascript: and data: URLs",
     '<a href="javascript:alert(7)">one</a> <a href=" JaVaScRiPt:alert(8)">two</a>'
     ' <a href="jav&#x09;ascript:alert(9)">three</a> <img src="javascript:alert(10)">'
     ' <a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxMSk8L3NjcmlwdD4=">four</a>'
     ' <img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMTIpPg==">',
     ["javascript", "alert", "data:", "base64"], ["one", "two", "three", "four"]),
    ("style attributes",
     '<p style="position:fixed;top:0;left:0;width:100%;height:100%">Win a machine</p>'
     '<table><tr><td style="text-align:right;position:fixed;top:0;left:0;width:100%;'
     'height:100%;background:url(javascript:alert(13))">cell</td></tr></table>',
     ["position", "fixed", "url(", "javascript", "alert", "<p style"],
     ["<p>Win a machine</p>", '<td style="text-align:right">cell</td>']),
    ("svg",
     '<p>Before the drawing</p><svg onload="alert(14)"><script>alert(15)</script>'
     '<a xlink:href="javascript:alert(16)">'
     '<text x="0" y="15">svg text</text></a><animate onbegin="alert(17)"/></svg>',
     ["<svg", "onload", "onbegin", "<script", "xlink", "javascript", "alert", "animate",
      "svg text"], ["<p>Before the drawing</p>"]),
    ("math",
     '<p>A formula</p><math><maction actiontype="statusline" xlink:href="javascript:alert(18)">'
     "<mtext>math text</mtext></maction></math>",
     ["<math", "maction", "xlink", "javascript", "alert", "math text"], ["<p>A formula</p>"]),
    ("frames, objects, forms, styles",
     '<iframe src="https://evil.example/" onload="alert(19)"></iframe>'
     '<object data="https://evil.example/x.swf"></object><embed src="https://evil.example/x">'
     '<form action="https://evil.example/"><button formaction="javascript:alert(20)">Go</button>'
     '<input name="password"></form><style>body{display:none}</style>'
     '<link rel="stylesheet" href="https://evil.example/x.css"><p>kept</p>',
     ["<iframe", "<object", "<embed", "<form", "<button", "<input", "<style", "<link",
      "evil.example", "javascript", "alert", "display:none"], ["<p>kept</p>"]),
]  # fmt: skip
IDS = [case[0] for case in CASES]


def _lines(rows: list[dict]) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)


@pytest.fixture
def imported(app, tmp_path):
    """Import one topic per case, its opening post and its answer both in that HTML."""
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps(
        {"format": "tribune-interchange", "version": 1, "source": "old-forum"}
    ))  # fmt: skip
    (folder / "members.jsonl").write_text(_lines([
        {"id": "1", "username": "marie", "email": "marie@example.com",
         "created_at": "2024-03-02T09:15:00Z"},
    ]))  # fmt: skip
    category = {"id": "help", "name": "Help", "slug": "help"}
    (folder / "categories.jsonl").write_text(_lines([category]))
    topics, posts = [], []
    for number, (name, body, _gone, _kept) in enumerate(CASES, start=1):
        topics.append(
            {
                "id": str(number),
                "category": "help",
                "author": "1",
                "title": name,
                "body": body,
                "format": "html",
                "created_at": "2024-06-01T08:00:00Z",
            }
        )
        posts.append({"id": f"p{number}", "topic": str(number), "author": "1", "body": body,
                      "format": "html", "created_at": "2024-06-01T09:00:00Z"})  # fmt: skip
    (folder / "topics.jsonl").write_text(_lines(topics))
    (folder / "posts.jsonl").write_text(_lines(posts))
    reports = Importer.from_folder(folder).run()
    commit()  # the caller commits what follows the last batch (the recount), as the CLI does
    assert [(r.name, r.imported, r.errors) for r in reports if r.name in ("topics", "posts")] == [
        ("topics", len(CASES), []),
        ("posts", len(CASES), []),
    ]
    return {topic.title: topic for topic in db.session.scalars(select(Topic))}


def _bodies(topic: Topic) -> list[str]:
    return list(db.session.scalars(
        select(Post.body_html).where(Post.topic_id == topic.id).order_by(Post.position)
    ))  # fmt: skip


def _post_bodies(page: str) -> str:
    """The bodies of the posts on a topic page (the site's own markup left out)."""
    parts = page.split('<div class="body">')[1:]
    return "".join(part.split("</div>", 1)[0] for part in parts)


@pytest.mark.parametrize(("name", "body", "gone", "kept"), CASES, ids=IDS)
def test_imported_html_keeps_nothing_that_runs_or_covers_the_page(
    imported, client, name, body, gone, kept
):
    topic = imported[name]
    stored = _bodies(topic)
    shown = _post_bodies(client.get(f"/t/{topic.id}").text)
    assert len(stored) == 2 and shown
    for html_text in (*stored, shown):
        lowered = html.unescape(html_text).lower()
        assert [part for part in gone if part.lower() in lowered] == [], html_text
        assert [part for part in kept if part not in html_text] == [], html_text


def test_a_stack_exchange_post_loses_its_handlers_too(app, tmp_path):
    dump = tmp_path / "coffee.stackexchange.com"
    shutil.copytree(Path(__file__).parent / "stackexchange", dump)
    posts = dump / "Posts.xml"
    payload = html.escape(CASES[0][1] + CASES[5][1] + CASES[4][1], quote=True)
    source = posts.read_text()
    answer = 'Body="&lt;p&gt;Under-extraction: grind finer or pull longer.&lt;/p&gt;"'
    assert answer in source
    posts.write_text(source.replace(answer, f'Body="{payload}"'))
    result = app.test_cli_runner().invoke(args=["import", "stackexchange", str(dump)])
    # The answer to a question the dump does not hold is skipped, not refused.
    assert result.exit_code == 0, result.output
    assert "1 skipped: not in the dump" in result.output
    stored = db.session.scalars(select(Post.body_html).where(Post.body_html.contains("tank")))
    (body,) = stored.all()
    lowered = body.lower()
    for part in ["onerror", "alert", "<svg", "javascript", "position", "<script"]:
        assert part not in lowered, body
    assert '<img src="https://example.com/a.png" alt="the tank">' in body
    assert '<td style="text-align:right">cell</td>' in body
