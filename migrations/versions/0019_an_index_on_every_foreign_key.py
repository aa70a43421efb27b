"""An index on every foreign key that had none, so deleting a row never scans its children.

Deleting a post looked for replies to it (posts.reply_to_post_id), a topic it solves
(topics.accepted_post_id), badges earned with it... by reading each whole table, once per
deleted post: deleting a topic's 6,000 posts took seconds (bench/delete_bench.py). The
same holds for members (moderator, editor, resolver columns) and categories. Each index
is plain (NULLs included), named by the models' naming convention; PostgreSQL holds
writes to each table while its index is built (seconds on a big forum).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 21:00:00.000000
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# (table, column): every foreign key column that was not the first column of an index.
FOREIGN_KEYS = (
    ("ambassador_status_changes", "actor_id"),
    ("ambassador_statuses", "pinned_by_id"),
    ("api_tokens", "created_by_id"),
    ("badge_awards", "category_id"),
    ("badge_awards", "post_id"),
    ("flags", "resolved_by_id"),
    ("leaderboard_entries", "user_id"),
    ("ledger_entries", "actor_id"),
    ("ledger_entries", "category_id"),
    ("point_rules", "updated_by_id"),
    ("post_revisions", "editor_id"),
    ("posts", "deleted_by_id"),
    ("posts", "reply_to_post_id"),
    ("sanctions", "lifted_by_id"),
    ("sanctions", "moderator_id"),
    ("topics", "accepted_post_id"),
    ("topics", "duplicate_of_id"),
    ("topics", "last_poster_id"),
    ("voting_reports", "author_id"),
    ("voting_reports", "resolved_by_id"),
)


def upgrade():
    for table, column in FOREIGN_KEYS:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def downgrade():
    for table, column in reversed(FOREIGN_KEYS):
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
