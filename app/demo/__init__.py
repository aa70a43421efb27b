"""The demo community of `make run`: at the top of the house, it may use every package."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.demo import cli

    app.cli.add_command(cli.seed_demo)
