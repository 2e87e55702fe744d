"""CSRF protection for the pages' form posts.

The token is an HMAC, keyed by the server's secret, of the browser's id (the HttpOnly
`kd_browser` cookie): another site can make a browser send the cookie but cannot read the
page to learn the token. Forms carry it in a hidden `csrf_token` input; htmx requests carry it
in the `X-CSRF-Token` header from the `hx-headers` attribute on <body> (no inline script: the
CSP forbids it). The JSON API is exempt: scripts authenticate with Bearer tokens. Its attempt
endpoints also accept the page cookie, but they take JSON bodies, which a cross-site form
cannot send without a CORS preflight (and the API allows no cross-origin requests).
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request

from app.training.service import Forbidden

FIELD = "csrf_token"
HEADER = "x-csrf-token"
BROWSER_COOKIE = "kd_browser"


def token_for(secret: str, browser_id: str) -> str:
    return hmac.new(secret.encode(), f"csrf:{browser_id}".encode(), hashlib.sha256).hexdigest()


def browser_id(request: Request) -> str:
    """The browser's id: the cookie, or the one this response is about to set."""
    return getattr(request.state, "browser_id", "") or request.cookies.get(BROWSER_COOKIE, "")


def template_context(request: Request) -> dict[str, str]:
    """Jinja context processor: `csrf_token` for forms and the <body> hx-headers."""
    bid = browser_id(request)
    secret = request.app.state.settings.secret_key
    return {"csrf_token": token_for(secret, bid) if bid else ""}


async def require_csrf(request: Request) -> None:
    """Router dependency: every POST must carry this browser's token (header or form field)."""
    if request.method != "POST":
        return
    bid = request.cookies.get(BROWSER_COOKIE, "")
    sent = request.headers.get(HEADER, "")
    if not sent and "form" in request.headers.get("content-type", ""):
        sent = str((await request.form()).get(FIELD, ""))
    expected = token_for(request.app.state.settings.secret_key, bid)
    if not bid or not sent or not hmac.compare_digest(sent, expected):
        raise Forbidden("This form has expired or did not come from this site. Reload the page "
                        "and try again.")
