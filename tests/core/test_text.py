from app.core.text import cook, excerpt, find_mentions, search_normal_form


def links(names):
    return {name: f"/u/{name}" for name in names if name.lower() == "bob"}


def test_markdown_is_rendered():
    html = cook("**bold** and *it*\n\n- one\n- two")
    assert "<strong>bold</strong>" in html
    assert "<li>one</li>" in html


def test_raw_html_and_script_come_out_inert():
    html = cook('<script>alert(1)</script> <img src=x onerror="alert(2)"> <b>x</b>')
    assert "<script" not in html
    assert "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror" in html


def test_only_safe_link_schemes_and_rel_is_set():
    html = cook("[a](javascript:alert(1)) [b](https://example.com) [c](mailto:x@example.com)")
    assert "javascript:" not in html.replace("[a](javascript:alert(1))", "")
    assert '<a href="https://example.com" rel="nofollow ugc">b</a>' in html
    assert 'href="mailto:x@example.com"' in html
    assert 'href="data:' not in cook("[d](data:text/html;base64,PHNjcmlwdD4=)")


def test_mentions_link_to_real_members_only():
    html = cook("hello @bob and @nobody, mail me@bob.com", links)
    assert '<a href="/u/bob" class="mention" rel="nofollow ugc">@bob</a>' in html
    assert "@nobody" in html and 'href="/u/nobody"' not in html
    assert 'href="/u/bob.com"' not in html


def test_mentions_are_not_linked_inside_code():
    html = cook("`@bob`\n\n```\n@bob\n```", links)
    assert "mention" not in html


def test_find_mentions_keeps_order_without_repeats():
    assert find_mentions("@bob hi @alice and @bob again, x@y.com") == ["bob", "alice"]


def test_search_normal_form_removes_case_accents_and_punctuation():
    assert search_normal_form("Le CAFÉ, déjà-vu! l'été_2026") == "le cafe deja vu l ete 2026"


def test_excerpt_is_plain_text_and_bounded():
    text = excerpt(cook("**Hello** " + "word " * 100), length=50)
    assert "<" not in text and len(text) <= 50 and text.endswith("…")
