"""GET /share/<code>.png: a provider's booking link as a QR code image. Twilio fetches it to attach it to the
share message; providers forward or print it. Unknown codes get 404, so this is no open QR generator."""
from __future__ import annotations

from flask import Blueprint, Response, current_app

from bot.services import sharing

bp = Blueprint("share", __name__)


@bp.get("/share/<code>.png")
def qr_code(code: str) -> Response:
    png = sharing.qr_for_code(current_app.extensions["services"], code)
    if png is None:
        return Response("unknown booking code\n", status=404, mimetype="text/plain")
    response = Response(png, mimetype="image/png")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
