"""The JSON API under /api/v1: signals in, ambassadors out. Staff API tokens only.

Authenticate with ``Authorization: Bearer trb_...`` (create tokens on /manage/tokens or
with ``tribune tokens create NAME``). Errors are JSON: ``{"error": "..."}``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from app.accounts import tokens
from app.ambassadors import export, queries, signals
from app.ambassadors.models import SEGMENTS
from app.extensions import csrf, limiter

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(blueprint)  # no cookies here: a bearer token cannot be sent by another site

MAX_SIGNALS_PER_REQUEST = 5000
MAX_PAGE_SIZE = 1000
# Far past any last page, and the row offset it makes still fits the database's integer.
MAX_PAGE = 10_000_000


def _error(status: int, message: str, **extra: Any) -> Any:
    response = jsonify({"error": message, **extra})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="tribune"'
    return response


@blueprint.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Any:
    return _error(error.code or 500, error.description or error.name)


def _token_key() -> str:
    token = g.get("api_token")
    return f"token:{token.id}" if token is not None else request.remote_addr or "?"


def _address_key() -> str:
    return f"api-token-failures:{request.remote_addr or '?'}"


def _refused(response: Response) -> bool:
    return response.status_code == 401


# Guessing tokens: the wrong ones sent from one address are counted (a 401 answer counts
# one), and once API_TOKEN_FAILURES_PER_IP is reached that address gets a 429.
_wrong_tokens = limiter.shared_limit(
    lambda: current_app.config["API_TOKEN_FAILURES_PER_IP"],
    scope="api-token-failures",
    key_func=_address_key,
    deduct_when=_refused,
)


def token_required(*capabilities: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A valid token whose creator holds ``capabilities`` now (besides api.tokens)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            with _wrong_tokens:  # a 429 here once the address has sent too many wrong ones
                scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
                bearer = scheme.lower() == "bearer"
                token = tokens.authenticate(secret.strip()) if bearer else None
            if token is None:
                return _error(
                    401, "a valid staff API token is required (Authorization: Bearer ...)"
                )
            if not tokens.creator_may(token, "api.tokens", *capabilities):
                return _error(403, "the member who created this token may no longer use it")
            g.api_token = token
            return view(*args, **kwargs)

        return wrapped

    return decorate


def _limit() -> str:
    return current_app.config["API_LIMIT_PER_TOKEN"]


def _json_body() -> Any:
    """The request's JSON, or None if it is not JSON (or nested past the parser's depth)."""
    try:
        return request.get_json(silent=True)
    except RecursionError:  # [[[[...]]]]: not silenced by get_json, and no one's signals
        return None


@blueprint.post("/signals")
@token_required()
@limiter.limit(_limit, key_func=_token_key)
def post_signals() -> Any:
    """Take a list of signals (or {"signals": [...]}); answer what went in and what not."""
    payload = _json_body()
    if isinstance(payload, dict):
        payload = payload.get("signals")
    if not isinstance(payload, list):
        return _error(400, 'send a JSON list of signals, or {"signals": [...]}')
    if len(payload) > MAX_SIGNALS_PER_REQUEST:
        return _error(413, f"at most {MAX_SIGNALS_PER_REQUEST} signals a request")
    rows = []
    report = signals.ImportReport()
    for index, item in enumerate(payload):
        if isinstance(item, dict):
            rows.append((index, item))
        else:
            report.errors.append(signals.RowError(index, "signal", "must be a JSON object"))
    result = signals.import_rows(rows)
    errors = sorted(report.errors + result.errors, key=lambda e: e.where)
    return jsonify(
        {
            "imported": result.imported,
            "duplicates": result.duplicates,
            "refused": len(errors),
            "errors": [{"index": e.where, "field": e.field, "message": e.message} for e in errors],
        }
    )


@blueprint.get("/ambassadors")
@token_required("ambassador.view")
@limiter.limit(_limit, key_func=_token_key)
def get_ambassadors() -> Any:
    """Members of the last run's segments with score, rank and breakdown, a page at a time."""
    segment = request.args.get("segment") or None
    if segment is not None and segment not in SEGMENTS:
        return _error(400, f"segment must be one of {', '.join(SEGMENTS)}")
    page = request.args.get("page", 1, type=int) or 1
    size = request.args.get("per_page", 100, type=int) or 100
    if not 1 <= page <= MAX_PAGE or not 1 <= size <= MAX_PAGE_SIZE:
        return _error(400, f"page must be 1 to {MAX_PAGE}, per_page 1 to {MAX_PAGE_SIZE}")
    run = queries.latest_run()
    if run is None:
        return jsonify({"run": None, "members": [], "next_page": None})
    members, more = export.page(run, segment, page, size)
    return jsonify(
        {
            "run": {
                "id": run.id,
                "as_of": run.as_of.isoformat(),
                "window_days": run.window_days,
                "eligible": run.eligible_count,
                "selected": run.selected_count,
                "weights": run.params.get("weights", {}),
            },
            "members": members,
            "next_page": page + 1 if more else None,
        }
    )
