"""Tribune has an icon (issue 17): /favicon.ico, which browsers ask for, and the SVG every
page names."""

from __future__ import annotations

import re


def test_favicon_ico_is_served(client) -> None:
    with client.get("/favicon.ico") as response:  # closed, as a WSGI server does
        assert response.status_code == 200
        assert response.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
        assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file's header


def test_every_page_names_the_svg_icon(client, login, member) -> None:
    for page in (client.get("/").text, login(member).get("/").text):
        link = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
        assert link, "no icon link in the layout"
        with client.get(link.group(1)) as icon:
            assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
            assert b"<svg" in icon.data
