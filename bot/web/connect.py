"""The browser side of connecting a video platform, and the platform's webhooks. Thin: each route checks its
input, calls bot.video_accounts, and renders a short page. Routes: GET /connect/<platform>/<token>,
GET /oauth/<platform>/callback, POST /webhooks/<platform> (each platform's adapter parses its own events)."""
from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
import secrets

from flask import Blueprint, Response, current_app, redirect, request
from sqlalchemy.exc import OperationalError

from bot.core import messages as msg
from bot.services import connecting, video_accounts
from integrations.video import AccountRemoved, WebhookAnswer, WebhookRefused

log = logging.getLogger(__name__)
bp = Blueprint("video", __name__)
# Link previews and scanners fetch a link before (or instead of) the person: they must never spend it.
PREVIEW_AGENTS = ("whatsapp", "facebookexternalhit", "facebot", "twitterbot", "slackbot", "telegrambot",
                  "discordbot", "linkedinbot", "skypeuripreview", "bingpreview", "googlebot", "applebot")
REFUSAL_PAGES = {"unknown": (msg.PAGE_LINK_UNKNOWN, 404), "used": (msg.PAGE_LINK_USED, 410),
                 "expired": (msg.PAGE_LINK_EXPIRED, 410), "plan": (msg.PAGE_LINK_PLAN, 403),
                 "browser": (msg.PAGE_OTHER_BROWSER, 403), "declined": (msg.PAGE_DECLINED, 200),
                 "failed": (msg.PAGE_FAILED, 502)}
BROWSER_COOKIE = "mns_connect"
PAGE_STYLE = "body { font-family: sans-serif; max-width: 32em; margin: 3em auto; padding: 0 1em; }"
# The pages load nothing and run nothing; their one <style> element is allowed by its hash.
PAGE_POLICY = ("default-src 'none'; style-src 'sha256-"
               + base64.b64encode(hashlib.sha256(PAGE_STYLE.encode()).digest()).decode()
               + "'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def _services():
    return current_app.extensions["services"]


def page(platform: str, text: str, status: int = 200, **values: str) -> Response:
    words = video_accounts.words(_services(), platform)
    title = html.escape(msg.PAGE_TITLE.format(**words))
    body = html.escape(text.format(**words, **values))
    document = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
                f'content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">'
                f"<title>{title}</title><style>{PAGE_STYLE}</style></head><body><h1>{title}</h1><p>{body}</p>"
                f"</body></html>")
    response = Response(document, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _known(platform: str) -> bool:
    return platform in _services().video.names()


@bp.get("/connect/<platform>/<token>")
def connect(platform: str, token: str) -> Response:
    if not _known(platform) or len(token) > 64:
        return page(platform, msg.PAGE_LINK_UNKNOWN, 404)
    agent = request.headers.get("User-Agent", "").lower()
    # Only a browser's GET spends the single-use link: HEAD (link checkers) and previews get a page and leave it.
    if request.method == "HEAD" or any(bot in agent for bot in PREVIEW_AGENTS):
        return page(platform, msg.PAGE_LINK_PREVIEW)
    nonce = secrets.token_urlsafe(24)
    try:
        authorize_url = video_accounts.open_link(_services(), platform, token, nonce)
    except video_accounts.LinkRefused as refused:
        text, status = REFUSAL_PAGES[refused.reason]
        return page(platform, text, status)
    response = redirect(authorize_url, code=302)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.set_cookie(BROWSER_COOKIE, nonce, max_age=int(video_accounts.STATE_TTL.total_seconds()),
                        path=f"/oauth/{platform}/callback", httponly=True, samesite="Lax",
                        secure=_services().config.public_base_url.startswith("https://"))
    return response


@bp.get("/oauth/<platform>/callback")
def oauth_callback(platform: str) -> Response:
    if not _known(platform):
        return page(platform, msg.PAGE_LINK_UNKNOWN, 404)
    args = request.args
    try:
        connected = connecting.complete(_services(), platform, state=args.get("state", "")[:200],
                                        code=args.get("code") or None, error=args.get("error") or None,
                                        browser_nonce=request.cookies.get(BROWSER_COOKIE))
    except video_accounts.LinkRefused as refused:
        text, status = REFUSAL_PAGES[refused.reason]
        return page(platform, text, status)
    response = page(platform, msg.PAGE_CONNECTED, email=connected.email)
    response.delete_cookie(BROWSER_COOKIE, path=f"/oauth/{platform}/callback")
    return response


@bp.post("/webhooks/<platform>")
def platform_webhook(platform: str) -> Response:
    """A platform's app webhook; its adapter (bound to its secret) turns the request into a neutral event."""
    services = _services()
    parse = services.video.webhook(platform)
    if parse is None:
        return Response("not found\n", status=404, mimetype="text/plain")
    try:
        event = parse(request.headers, request.get_data(cache=False), services.clock())
    except WebhookRefused as refused:
        if refused.status == 401:
            log.warning("refused a %s webhook with a missing, forged or old signature", platform)
        return Response(refused.reason + "\n", status=refused.status, mimetype="text/plain")
    if isinstance(event, WebhookAnswer):
        return Response(json.dumps(event.body), status=event.status, mimetype="application/json")
    if isinstance(event, AccountRemoved):
        user_id, account_id = event.external_user_id, event.external_account_id
        try:
            removed = video_accounts.deauthorize(services, platform, user_id, account_id)
        except OperationalError:  # the row is busy (a refresh in flight): the worker deletes it in a moment
            services.queue.deauthorize(platform, user_id, account_id)
            return Response(json.dumps({"deleted": "queued"}), mimetype="application/json")
        log.info("%s account removed: %d connection(s) deleted", platform, removed)
        return Response(json.dumps({"deleted": removed}), mimetype="application/json")
    return Response(json.dumps({"ignored": event}), mimetype="application/json")
