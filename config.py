"""Tribune configuration.

Values come, last one winning, from: the defaults below, an optional instance file
(``instance/tribune.cfg``, Python syntax) and ``TRIBUNE_*`` environment variables
(``TRIBUNE_DATABASE_URL`` sets ``DATABASE_URL`` and so on).
"""

from __future__ import annotations

import os
from datetime import timedelta


class Config:
    """Defaults, suitable for one machine with an embedded SQLite database."""

    ENV_NAME = "development"
    # None means: an SQLite file in the instance folder (set by the factory).
    DATABASE_URL: str | None = None
    # None in development means: generated once and kept in instance/secret_key.
    SECRET_KEY: str | None = None
    REDIS_URL: str | None = None
    # Flask-Limiter storage; memory:// keeps counts per process, so several workers
    # need Redis (set REDIS_URL). Redis down: limits are counted in memory meanwhile,
    # and errors are logged, never a 500 (app/core/rate_limits.py).
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    # A Redis that does not answer holds a request half a second, not forever.
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    # Failed logins only (app/accounts/login_limits.py): per address, and per account
    # (a browser that logged into the account before has a count of its own).
    LOGIN_LIMIT_PER_IP = "20/minute;200/hour"
    LOGIN_LIMIT_PER_ACCOUNT = "10/minute;50/hour"
    LOGIN_DEVICE_DAYS = 365
    REGISTER_LIMIT_PER_IP = "10/hour"
    POST_LIMIT_PER_USER = "30/minute"
    VOTE_LIMIT_PER_USER = "120/minute"
    # Previews beside the editor (sent after each pause in typing), per member.
    PREVIEW_LIMIT_PER_USER = "60/minute;600/hour"
    API_LIMIT_PER_TOKEN = "120/minute"
    # Answers and unsubscriptions through an emailed campaign link, per address (the
    # link's token is the only proof: guesses are slowed down).
    CAMPAIGN_LINK_LIMIT_PER_IP = "30/minute;300/hour"
    # The same for the unsubscribe link of notification mail.
    NOTIFICATION_MAIL_LINK_LIMIT_PER_IP = "30/minute;300/hour"
    # Wrong API tokens one address may send before its API requests get a 429.
    API_TOKEN_FAILURES_PER_IP = "20/minute"
    # Behind N reverse proxies, trust N X-Forwarded-For/-Proto hops (0: none).
    PROXY_HOPS = 0
    # The site's public address ("https://forum.brand.example"): every link that leaves
    # the request (mail, exports, API) is built from it, never from the request's Host.
    # Required in production; in development http://127.0.0.1:5000, or where `tribune run`
    # serves.
    BASE_URL = ""
    # Host names requests may use (Flask); None accepts any. Production defaults to the
    # host of BASE_URL, so a request for another name is a 400.
    TRUSTED_HOSTS: list[str] | None = None

    # werkzeug's scrypt with its default cost (n=2**15).
    PASSWORD_HASH_METHOD = "scrypt"
    WTF_CSRF_TIME_LIMIT = None  # a form left open all afternoon still posts
    # Outgoing mail goes through the outbox (app/core/mail.py): the deliver-mail job sends
    # it every minute. Without MAIL_SERVER messages are written as .eml files into
    # instance/mail/, which suits one machine in development.
    MAIL_SERVER = ""
    MAIL_PORT = 25
    MAIL_USE_TLS = False  # STARTTLS after connecting
    MAIL_USE_SSL = False  # implicit TLS from the first byte (usually port 465)
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_FROM = "Tribune <no-reply@localhost>"
    MAIL_TIMEOUT_SECONDS = 10  # per SMTP step
    # One run sends at most this many messages, and claims none after this many seconds.
    MAIL_BATCH_SIZE = 200
    MAIL_BATCH_SECONDS = 45
    # Bulk mail (campaigns) goes out at most this many messages a minute, across runs
    # (app/core/mail_pacing.py): 100,000 invitations take 500 minutes at 200. Raise
    # MAIL_BATCH_SIZE with it, which caps every run. 0: no limit. Transactional mail
    # (sign-ups, password resets) is never paced and goes before any campaign.
    MAIL_RATE_PER_MINUTE = 200
    # A temporary failure is retried after 1, 2, 4... minutes, at most 6 hours apart, and
    # given up (failed) after this many attempts (about two days).
    MAIL_RETRY_BASE_SECONDS = 60
    MAIL_RETRY_MAX_SECONDS = 6 * 3600
    MAIL_MAX_ATTEMPTS = 15
    # A message left "sending" this long (its run was killed) is sent again.
    MAIL_SENDING_TIMEOUT_SECONDS = 600
    # Off for privacy: no campaign email says whether it was opened. On, a campaign's
    # funnel has an "opened" row; Tribune records no opens yet (no tracking pixel), so
    # the row says "not measured" until a tracker fills it.
    MAIL_TRACK_OPENS = False
    # Notification mail (app/notification_mail): an immediate mail waits this many
    # minutes after a member's first new notification, and lists every one that came
    # in the meantime (a burst is one mail).
    NOTIFICATION_MAIL_GROUP_MINUTES = 5
    # Unread notifications older than this are never mailed at once (a member who turns
    # immediate mail on is not sent their backlog).
    NOTIFICATION_MAIL_MAX_AGE_HOURS = 24
    # The daily digest covers this many hours back: a day, and slack for a late run
    # (nothing is mailed twice, whatever the overlap).
    NOTIFICATION_DIGEST_HOURS = 26
    # The jobs mail this many members per batch, committing each batch; the immediate
    # job stops taking batches after NOTIFICATION_MAIL_RUN_SECONDS (the rest go with the
    # next minute's run), the daily digest goes on until every member is mailed.
    NOTIFICATION_MAIL_BATCH_MEMBERS = 500
    NOTIFICATION_MAIL_RUN_SECONDS = 45
    # A sign-up is finished through an emailed link within this many hours.
    REGISTRATION_CONFIRM_HOURS = 48
    # A reset link works once, for this many hours; at most so many are sent per hour.
    PASSWORD_RESET_HOURS = 2
    PASSWORD_RESETS_PER_HOUR = 3
    PASSWORD_RESET_LIMIT_PER_IP = "10/hour"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    # How long "remember me" (and any login) lasts; seconds from the environment.
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Security headers (app/core/headers.py). Posts may embed images from https sites;
    # "'self' data:" keeps every image on Tribune's own address.
    CSP_IMG_SRC = "'self' data: https:"
    # Other sites see where a visitor came from (the origin only, never the page).
    REFERRER_POLICY = "strict-origin-when-cross-origin"
    # Sent in production only: browsers then refuse plain http for a year.
    STRICT_TRANSPORT_SECURITY = ""

    LANGUAGES = ("fr", "en")
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"

    TOPICS_PER_PAGE = 30
    POSTS_PER_PAGE = 50
    SEARCH_RESULTS_PER_PAGE = 20
    # Search ranks at most this many matching posts (the most recent ones the reader may
    # read, filters applied): a common word's first page stays fast at millions of posts
    # (app/forum/search.py, README "Search").
    SEARCH_CANDIDATES = 2_000
    # Searches per address: a common word is an expensive query. Similar questions are
    # asked while a title is typed (one request per pause), hence a limit of their own.
    SEARCH_LIMIT_PER_IP = "60/minute;600/hour"
    SEARCH_SIMILAR_LIMIT_PER_IP = "120/minute"
    POST_MAX_LENGTH = 32_000
    TITLE_MAX_LENGTH = 200
    # Helpers (answer.accept_stale) may mark the solution of a question unsolved this long.
    STALE_QUESTION_DAYS = 7
    # View counts are buffered in each worker and written in one UPDATE
    # once this many views or seconds have gathered.
    VIEW_FLUSH_EVERY_VIEWS = 200
    VIEW_FLUSH_EVERY_SECONDS = 30.0
    # Rendered parts of pages (app/core/parts.py) and the topic pages' data, per worker
    # process, bounded in bytes (0 keeps nothing). Parts that show relative dates, view
    # counts or levels are kept at most PAGE_CACHE_SECONDS; a change shows at once.
    PAGE_CACHE_BYTES = 32 * 1024 * 1024
    PAGE_DATA_CACHE_BYTES = 16 * 1024 * 1024
    PAGE_CACHE_SECONDS = 60

    # Points per action (an administrator can override each on /admin/points).
    POINTS = {
        "answer_voted": 10,
        "question_voted": 5,
        "post_voted": 5,  # a post in a discussion
        "answer_accepted": 15,
        "accepted_an_answer": 2,
        "topic_started": 2,
        "reply_posted": 1,
        "welcomed_newcomer": 5,
    }
    # At most this many points a day from votes (accepted answers and badges are outside).
    POINTS_DAILY_VOTE_CAP = 200
    # Flags: posts a member needs before flagging (moderators exempt), flags a member may
    # raise per day, and the weight of open flags that hides a post until it is reviewed
    # (a member's flag weighs 1, a helper's 2, a moderator's hides at once).
    FLAG_MIN_POSTS = 1
    FLAGS_PER_DAY = 10
    FLAG_HIDE_THRESHOLD = 3.0
    # Hold a member's posts for review (moderators and helpers) until one is approved.
    HOLD_FIRST_POSTS = False
    # A vote can be changed this long after casting, or any time after the post is edited.
    VOTE_CHANGE_WINDOW_SECONDS = 300
    # Level thresholds (points needed); names are translated in app/badges/levels.py.
    LEVELS = (
        ("newcomer", 0),
        ("member", 50),
        ("regular", 250),
        ("expert", 1000),
        ("guru", 4000),
    )
    # A member is a newcomer (for the welcomer badge and points) this many days.
    NEWCOMER_DAYS = 30
    # Serial voting: this many votes from one voter to one author within the window.
    SERIAL_VOTES_THRESHOLD = 5
    SERIAL_VOTES_WINDOW_HOURS = 24
    # Voting rings: votes between two accounts sharing a registration IP, over the window.
    RING_VOTES_THRESHOLD = 3
    RING_WINDOW_DAYS = 30
    # Category expertise badges: score (votes on one's answers in the category) and answers.
    CATEGORY_EXPERTISE = {"bronze": (20, 5), "silver": (100, 20), "gold": (400, 50)}
    LEADERBOARD_PAGE_SIZE = 50

    # The ambassador job (app/ambassadors): every member's engagement score over a
    # rolling window; the top share of eligible members become ambassadors (helpers).
    AMBASSADOR_WINDOW_DAYS = 90
    # Seats: this share of the members who contributed in the window (at least
    # CONTRIBUTOR_MIN_POSTS topics, answers or replies), at least one; taken by the best
    # ranked eligible members (MIN_POSTS below), never more seats than eligible members.
    AMBASSADOR_TOP_SHARE = 0.01
    AMBASSADOR_CONTRIBUTOR_MIN_POSTS = 1
    # "Ambassadors in the making": the next share of eligible members by rank.
    AMBASSADOR_RISING_SHARE = 0.04
    # An ambassador who falls out keeps the status this long, and never loses it sooner
    # than AMBASSADOR_MIN_DAYS after promotion (no flapping).
    AMBASSADOR_GRACE_DAYS = 30
    AMBASSADOR_MIN_DAYS = 14
    # Activity floor: topics, answers and replies in the window to be eligible at all.
    AMBASSADOR_MIN_POSTS = 3
    # Public: an Ambassador badge and a mark on the profile; False: perks, no public mark.
    AMBASSADOR_STATUS_PUBLIC = True
    # A vote from an account younger than this (at voting time) weighs NEW_VOTER_WEIGHT.
    AMBASSADOR_ESTABLISHED_DAYS = 30
    AMBASSADOR_NEW_VOTER_WEIGHT = 0.25
    # An imported vote without a voter (Stack Exchange dumps) counts this much.
    AMBASSADOR_ANONYMOUS_VOTE_WEIGHT = 0.5
    # Points per unit of each signal. Forum signals first, then those from outside the
    # forum; a review counts in five-star units (a 4-star review is 0.8).
    AMBASSADOR_WEIGHTS = {
        "accepted_answers": 15.0,
        "helpful_votes": 3.0,
        "answers": 2.0,
        "replies": 0.5,
        "comments": 0.25,  # imported comments (Stack Exchange): a small part each
        "rescued_questions": 5.0,
        "topics_started": 1.0,
        "active_days": 1.0,
        "badges_earned": 2.0,
        "flags_upheld": 2.0,
        "purchases": 1.0,
        "reviews": 4.0,
        "referrals": 6.0,
        "events": 5.0,
        "social_follows": 1.0,
        # From the brand's campaigns: a survey answered, a co-creation workshop attended
        # (attending any other event counts under "events").
        "surveys": 2.0,
        "co_creation": 8.0,
        # Rewards redeemed with points (app/rewards): nothing in the score, on purpose;
        # the opportunists' segment weighs them (AMBASSADOR_OPPORTUNIST_REDEMPTION_WEIGHT).
        "redemptions": 0.0,
    }
    # In the opportunists' segment, each reward redeemed in the window counts as this
    # much activity outside the forum, beside the weighted external signals (referrals
    # among them): a member whose outside activity is at least twice their forum score is
    # an opportunist.
    AMBASSADOR_OPPORTUNIST_REDEMPTION_WEIGHT = 5.0
    # Signals from outside the forum add at most this times the member's forum score, so
    # forum contribution stays dominant (1.0: at most half of any score).
    AMBASSADOR_EXTERNAL_MAX_RATIO = 1.0
    # A product preview's private space stays open this many days after its reply
    # deadline, unless the campaign has an end of its own (app/invitations/spaces.py).
    CAMPAIGN_PREVIEW_SPACE_DAYS = 30
    # The largest picture staff may upload for a reward (PNG, JPEG, GIF or WebP), in bytes.
    REWARD_PICTURE_MAX_BYTES = 2_000_000
    # Every member's breakdown is kept for this many latest runs (one row per active
    # member and run); the runs themselves and the status history are kept for good.
    AMBASSADOR_KEEP_RUNS = 30

    # The referral program (app/referrals): a visit through a member's link is remembered
    # this many days (first touch); a referral converts when the friend's first post has
    # stayed this many days (not deleted or hidden), or at once on a purchase signal.
    REFERRAL_WINDOW_DAYS = 30
    REFERRAL_STAY_DAYS = 7
    # At most this many conversions a day per referrer; the next ones are refused.
    REFERRAL_DAILY_CAP = 5
    # Points a conversion gives the referrer (a ledger entry of its own kind, outside
    # the daily vote cap), and converted referrals for the Referrer badge's tiers.
    REFERRAL_POINTS = 25
    REFERRAL_BADGE_TIERS = {"referrer": 1, "referrer-silver": 5, "referrer-gold": 20}
    # Visits through referral links an address may make (each one is a database write).
    REFERRAL_VISIT_LIMIT_PER_IP = "60/hour"

    # The scheduler runs inside `tribune run` / `make run` unless turned off; in
    # production, run exactly one `tribune scheduler` process instead.
    SCHEDULER_IN_PROCESS = True
    # A run that fires this many seconds late (scheduler down, busy) still runs once.
    SCHEDULER_MISFIRE_GRACE_SECONDS = 300
    # Job name -> 5-field crontab (UTC), replacing the job's own schedule.
    JOB_SCHEDULES: dict[str, str] = {}
    # Jobs never scheduled (still runnable with `tribune jobs run NAME`).
    JOBS_DISABLED: tuple[str, ...] = ()
    # A running job's lease lasts this long and its process renews it every
    # JOB_HEARTBEAT_SECONDS: a killed holder's lease lapses within minutes.
    JOB_LEASE_SECONDS = 300
    JOB_HEARTBEAT_SECONDS = 30.0
    # `prune-job-runs` deletes job runs older than this.
    JOB_RUNS_KEEP_DAYS = 90


class TestConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"
    BASE_URL = "http://localhost"  # the test client's host
    # Tests read English; French pages are asked for with Accept-Language.
    BABEL_DEFAULT_LOCALE = "en"
    RATELIMIT_ENABLED = False
    # The same algorithm at a low cost: the suite creates hundreds of accounts.
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"
    SCHEDULER_IN_PROCESS = False
    VIEW_FLUSH_EVERY_VIEWS = 1


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    SCHEDULER_IN_PROCESS = False
    STRICT_TRANSPORT_SECURITY = "max-age=31536000"


CONFIGS: dict[str, type[Config]] = {
    "development": Config,
    "testing": TestConfig,
    "production": ProductionConfig,
}


def env_overrides(environ: dict[str, str] | None = None) -> dict[str, object]:
    """Every TRIBUNE_* variable, without the prefix; 'true'/'false' and integers are parsed."""
    environ = os.environ if environ is None else environ
    overrides: dict[str, object] = {}
    for key, raw in environ.items():
        if not key.startswith("TRIBUNE_") or key == "TRIBUNE_CONFIG":
            continue
        name = key.removeprefix("TRIBUNE_")
        value: object = raw
        if raw.lower() in ("true", "false"):
            value = raw.lower() == "true"
        elif raw.isdigit():
            value = int(raw)
        overrides[name] = value
    return overrides
