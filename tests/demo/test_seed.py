from sqlalchemy import func, select, text

from app.accounts import services as account_services
from app.demo import seed as demo
from app.extensions import db
from app.forum.models import Category, Post, PostVote, Topic
from app.forum.search import search_posts


def test_seed_builds_a_heavy_tailed_bilingual_community(app):
    summary = demo.seed_demo(users=300, seed=1)
    assert summary is not None
    assert db.session.scalar(select(func.count(Category.id))) == 8
    assert db.session.scalar(select(func.count(Topic.id))) >= 290
    posts = db.session.scalar(select(func.count(Post.id)))
    assert posts >= 1500 and summary.posts == posts
    assert db.session.scalar(select(func.count()).select_from(PostVote)) > 1000
    assert db.session.scalar(select(func.count(Topic.id)).where(Topic.accepted_post_id.isnot(None)))

    # The 1% most active members (3 of 300) wrote 40-50% of all posts, by SQL.
    per_author = (
        select(func.count(Post.id).label("n")).group_by(Post.author_id).order_by(text("n DESC"))
    )
    counts = list(db.session.scalars(per_author))
    assert 0.40 <= sum(counts[:3]) / posts <= 0.50

    # Both languages, and the search index is filled.
    assert search_posts(None, "detartrage", page=1, per_page=5).items
    assert search_posts(None, "descaling", page=1, per_page=5).items

    lounge = db.session.scalar(select(Category).where(Category.required_capability.isnot(None)))
    assert lounge.required_capability == "category.lounge"
    assert account_services.authenticate("demo-member", demo.PASSWORD).role == "member"
    assert account_services.authenticate("demo-moderator", demo.PASSWORD).role == "moderator"


def test_seeded_counters_match_the_rows(app):
    demo.seed_demo(users=60, seed=3)
    wrong_votes = db.session.scalar(
        select(func.count(Post.id)).where(
            Post.vote_count
            != select(func.count())
            .select_from(PostVote)
            .where(PostVote.post_id == Post.id)
            .scalar_subquery()
        )
    )
    wrong_replies = db.session.scalar(
        select(func.count(Topic.id)).where(
            Topic.reply_count
            != select(func.count(Post.id))
            .where(Post.topic_id == Topic.id, Post.position > 0, Post.deleted_at.is_(None))
            .scalar_subquery()
        )
    )
    own_votes = db.session.scalar(
        select(func.count())
        .select_from(PostVote)
        .join(Post, Post.id == PostVote.post_id)
        .where(Post.author_id == PostVote.user_id)
    )
    assert (wrong_votes, wrong_replies, own_votes) == (0, 0, 0)


def test_seed_demo_command_is_idempotent_and_fills_points_badges_and_boards(app):
    from app.accounts.models import User
    from app.badges.models import BadgeAward, LeaderboardEntry

    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo", "--users", "20"])
    assert first.exit_code == 0, first.output
    assert "demo-admin" in first.output
    # The history became points, badges and leaderboards, and totals match the ledger.
    assert db.session.scalar(select(func.sum(User.points))) > 0
    assert db.session.scalar(select(func.count(BadgeAward.id))) > 0
    assert db.session.scalar(select(func.count()).select_from(LeaderboardEntry)) > 0
    assert runner.invoke(args=["points", "verify"]).exit_code == 0
    # The nightly evaluation ran too: the demo starts with its ambassadors.
    from app.ambassadors.models import AmbassadorStatus

    assert "ambassadors      1" in first.output
    assert (
        db.session.scalar(select(func.count()).where(AmbassadorStatus.status == "ambassador")) == 1
    )
    # And the dashboard's figures: /manage/health shows the demo's history.
    from app.insights.models import HealthFigures

    assert db.session.scalar(select(func.sum(HealthFigures.posts))) > 0
    topics = db.session.scalar(select(func.count(Topic.id)))
    second = runner.invoke(args=["seed-demo", "--users", "20"])
    assert second.exit_code == 0 and "already has data" in second.output
    assert db.session.scalar(select(func.count(Topic.id))) == topics


def test_categories_commands(app):
    runner = app.test_cli_runner()
    created = runner.invoke(args=["categories", "create", "Recipes", "--slug", "recipes"])
    assert created.exit_code == 0, created.output
    assert "recipes" in runner.invoke(args=["categories", "list"]).output
    duplicate = runner.invoke(args=["categories", "create", "Again", "--slug", "recipes"])
    assert duplicate.exit_code == 1 and "slug:" in duplicate.output
