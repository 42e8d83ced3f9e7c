"""Who may see the console: the session cookie's key, login, CSRF and security headers.

Every route but the login page (and the CSS/JS it needs) requires a logged-in member of
staff: pages redirect to /login, anything else gets 401. Every POST carries the session's
CSRF token (a form field or the X-CSRF-Token header) or gets 403.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import quote, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.console.accounts import StaffAccounts, StaffInfo
from bot.settings import PROJECT_ROOT, Settings

PUBLIC_PATHS = ("/login",)
PUBLIC_PREFIXES = ("/static/",)
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
# No inline script or style anywhere: the policy would block them.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def secret_key(settings: Settings) -> str:
    """CONSOLE_SECRET_KEY, or a random key kept in var/console.secret (made once, 0600)."""
    if settings.console_secret_key:
        return settings.console_secret_key
    path = PROJECT_ROOT / "var" / "console.secret"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x") as handle:  # only the first process to get here writes it
            path.chmod(0o600)
            handle.write(secrets.token_urlsafe(48))
    except FileExistsError:
        pass
    return path.read_text().strip()


def current_staff(request: Request) -> StaffInfo | None:
    return getattr(request.state, "staff", None)


def signed_in_staff(request: Request) -> StaffInfo:
    """The staff member of a request that passed RequireLogin (so there is one)."""
    staff = current_staff(request)
    if staff is None:  # RequireLogin stops such requests before any route runs
        raise HTTPException(401, "Please sign in.")
    return staff


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def wants_json_reply(request: Request) -> bool:
    """The page's script sends the CSRF header and reads JSON; a plain form post does not."""
    return bool(request.headers.get(CSRF_HEADER))


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token matches the session's; else 403."""
    form = await request.form()
    given = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    expected = request.session.get("csrf") or ""
    if not expected or not hmac.compare_digest(str(given), expected):
        raise HTTPException(403, "The form has expired. Please reload the page and try again.")
    return form


def safe_next(target: str | None) -> str:
    """Only a path on this site (no //host, no scheme) after logging in."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    parts = urlsplit(target)
    return "/" if parts.scheme or parts.netloc else target


class RequireLogin:
    """Every path but the login page needs a session of an active staff account."""

    def __init__(self, app: ASGIApp, accounts: StaffAccounts) -> None:
        self.app = app
        self.accounts = accounts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        path = request.url.path
        staff = None
        staff_id, version = request.session.get("staff_id"), request.session.get("v")
        if isinstance(staff_id, int) and isinstance(version, int):
            staff = await run_in_threadpool(self.accounts.current, staff_id, version)
            if staff is None:
                request.session.pop("staff_id", None)
        scope.setdefault("state", {})["staff"] = staff
        if staff is None and path not in PUBLIC_PATHS and not path.startswith(PUBLIC_PREFIXES):
            wants_json = "application/json" in request.headers.get("accept", "")
            if request.method == "GET" and not wants_json:
                response: Response = RedirectResponse(
                    f"/login?next={quote(path)}", status_code=303
                )
            else:
                response = JSONResponse({"error": "log in first"}, status_code=401)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                headers += [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"),
                ]
                if not scope["path"].startswith("/static/"):
                    # Pages hold clients' details: never keep them in a cache.
                    headers.append((b"cache-control", b"no-store"))
            await send(message)

        await self.app(scope, receive, with_headers)
