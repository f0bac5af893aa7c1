"""The browser side of connecting a video platform, and the platform's webhooks. Thin: each route checks its
input, calls bot.video_accounts, and renders a short page. Routes: GET /connect/<platform>/<token>,
GET /oauth/<platform>/callback, POST /webhooks/zoom."""
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
from integrations.zoom.webhooks import url_validation_response, verify_zoom_webhook

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
    name = video_accounts.platform_name(platform)
    title = html.escape(msg.PAGE_TITLE.format(platform=name))
    body = html.escape(text.format(platform=name, **values))
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


@bp.post("/webhooks/zoom")
def zoom_webhook() -> Response:
    services = _services()
    secret = services.config.zoom_webhook_secret_token
    raw = request.get_data(cache=False)
    timestamp = request.headers.get("x-zm-request-timestamp", "")
    signature = request.headers.get("x-zm-signature", "")
    if not secret or not verify_zoom_webhook(secret, timestamp, raw, signature, now=services.clock()):
        log.warning("refused a Zoom webhook with a missing, forged or old signature")
        return Response("invalid signature\n", status=401, mimetype="text/plain")
    try:
        event = json.loads(raw)
        name, payload = event["event"], event.get("payload") or {}
        if not isinstance(name, str) or not isinstance(payload, dict):
            raise TypeError("event must be a string and payload an object")
    except (ValueError, KeyError, TypeError, AttributeError):
        return Response("malformed event\n", status=400, mimetype="text/plain")
    if name == "endpoint.url_validation":
        plain = payload.get("plainToken")
        if not isinstance(plain, str) or not plain:
            return Response("plainToken missing\n", status=400, mimetype="text/plain")
        return Response(json.dumps(url_validation_response(secret, plain)), mimetype="application/json")
    if name == "app_deauthorized":
        user_id = str(payload.get("user_id") or "")
        if not user_id:
            return Response("user_id missing\n", status=400, mimetype="text/plain")
        account_id = str(payload.get("account_id") or "") or None
        try:
            removed = video_accounts.deauthorize(services, "zoom", user_id, account_id)
        except OperationalError:  # the row is busy (a refresh in flight): the worker deletes it in a moment
            services.queue.deauthorize("zoom", user_id, account_id)
            return Response(json.dumps({"deleted": "queued"}), mimetype="application/json")
        log.info("Zoom app_deauthorized: %d connection(s) deleted", removed)
        return Response(json.dumps({"deleted": removed}), mimetype="application/json")
    return Response(json.dumps({"ignored": name}), mimetype="application/json")
