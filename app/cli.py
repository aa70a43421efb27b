"""The `tribune` command: Flask's CLI with Tribune's application factory."""

from __future__ import annotations

from flask.cli import FlaskGroup

from app import create_app
from app.core.jobs_cli import run_command

main = FlaskGroup(
    name="tribune",
    create_app=lambda: create_app(),
    help="Tribune: the brand community forum. Configure with TRIBUNE_* variables.",
)
# Flask's `run`, plus the in-process job scheduler (`make run`).
main.add_command(run_command)

if __name__ == "__main__":
    main()
