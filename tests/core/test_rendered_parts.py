"""Parts of pages rendered once per key, with per-request values put in their holes."""

from flask import render_template_string
from markupsafe import Markup

TEMPLATE = (
    "{% call cached_html(('part', key), token=token, text=text, html=html) %}"
    "{{ count() }}<i>{{ hole('token') }}|{{ hole('text') }}|{{ hole('html') }}</i>"
    "{% endcall %}"
)


def test_a_part_is_rendered_once_per_key_and_its_holes_filled_each_time(app):
    renders: list[int] = []

    def count() -> str:
        renders.append(1)
        return str(len(renders))

    def render(key: str, token: str, text: str = "a<b", html: str = "<b>x</b>") -> str:
        with app.test_request_context():
            return render_template_string(
                TEMPLATE, count=count, key=key, token=token, text=text, html=Markup(html)
            )

    assert render("k", "t1") == "1<i>t1|a&lt;b|<b>x</b></i>"
    assert render("k", "t2", "c&d", "<em>y</em>") == "1<i>t2|c&amp;d|<em>y</em></i>"
    assert render("other", "t3") == "2<i>t3|a&lt;b|<b>x</b></i>"


def test_text_that_looks_like_a_hole_is_escaped_not_filled(app):
    with app.test_request_context():
        page = render_template_string(
            "{% call cached_html(('part', 'x'), token='secret') %}{{ typed }}{% endcall %}",
            typed="<!--hole:token-->",
        )
    assert "secret" not in page and "&lt;!--hole:token--&gt;" in page
