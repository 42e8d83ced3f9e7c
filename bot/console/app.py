"""The console's web app (Starlette, server-rendered Jinja2 pages, a little plain JavaScript).

Every route but the login page (and the CSS/JS it needs) requires a logged-in member of
staff: pages redirect to /login, anything else gets 401. Every POST carries the session's
CSRF token (a form field or the X-CSRF-Token header) or gets 403. Client text is only ever
rendered by autoescaping templates or set as textContent by the page's script.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.booking.contact import ContactError
from bot.booking.service import BookingNotFound, ConsentRequired, SlotUnavailable
from bot.console import audit
from bot.console.accounts import StaffAccounts, StaffInfo
from bot.console.asking import ask, knowledge_status
from bot.console.diary import Diary, slot_value, week_start
from bot.console.inbox import Inbox, InboxError, waited_text
from bot.settings import PROJECT_ROOT, Settings, get_settings
from bot.store.queries import KnowledgeNotLoaded
from bot.store.session import StoreUnavailable

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "clinic_console"
SESSION_HOURS = 12
PUBLIC_PATHS = ("/login",)
PUBLIC_PREFIXES = ("/static/",)
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
MAX_QUESTION_CHARS = 1000
# No inline script or style anywhere: the policy would block them.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


@dataclass
class Services:
    settings: Settings
    accounts: StaffAccounts
    diary: Diary
    inbox: Inbox


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


# --- session, login and CSRF -----------------------------------------------------------


def current_staff(request: Request) -> StaffInfo | None:
    return getattr(request.state, "staff", None)


def signed_in_staff(request: Request) -> StaffInfo:
    """The staff member of a route behind RequireLogin (which lets no anonymous request in)."""
    staff = current_staff(request)
    if staff is None:
        raise HTTPException(401, "Please sign in.")
    return staff


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


async def checked_form(request: Request):
    """The posted form, once its CSRF token matches the session's; else 403."""
    form = await request.form()
    given = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    expected = request.session.get("csrf") or ""
    if not expected or not hmac.compare_digest(str(given), expected):
        raise HTTPException(403, "The form has expired. Please reload the page and try again.")
    return form


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
        async def with_headers(message) -> None:
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


def safe_next(target: str | None) -> str:
    """Only a path on this site (no //host, no scheme) after logging in."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    parts = urlsplit(target)
    return "/" if parts.scheme or parts.netloc else target


# --- pages -------------------------------------------------------------------------------


def build_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    url = settings.database_url
    services = Services(settings, StaffAccounts(url), Diary(url), Inbox(url))
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=True,  # client text is text, never HTML
        undefined=jinja2.StrictUndefined,
    )
    templates = Jinja2Templates(env=environment)
    environment.filters["waited"] = waited_text

    zone: dict = {}

    def clinic_zone():
        """The clinic's time zone, read from the store at most once a minute."""
        if not zone or time.monotonic() - zone["at"] > 60:
            zone.update(tz=services.diary.service.timezone(), at=time.monotonic())
        return zone["tz"]

    def local(moment: datetime | None, fmt: str = "%a %d %b %H:%M") -> str:
        if moment is None:
            return "-"
        return moment.astimezone(clinic_zone()).strftime(fmt)

    environment.filters["local"] = local

    def page(request: Request, template: str, status_code: int = 200, **context) -> Response:
        staff = current_staff(request)
        context.update(
            request=request,
            staff=staff,
            csrf=csrf_token(request),
            now=services.inbox.clock(),
            open_count=services.inbox.open_count() if staff else 0,
            flash=request.session.pop("flash", None),
        )
        return templates.TemplateResponse(request, template, context, status_code=status_code)

    def flash(request: Request, text: str, kind: str = "ok") -> None:
        request.session["flash"] = {"text": text, "kind": kind}

    def back(target: str) -> RedirectResponse:
        return RedirectResponse(target, status_code=303)

    # --- login ---------------------------------------------------------------------------

    async def login_page(request: Request) -> Response:
        if current_staff(request):
            return back(safe_next(request.query_params.get("next")))
        return page(request, "login.html", error=None, name="",
                    next=safe_next(request.query_params.get("next")))

    async def login(request: Request) -> Response:
        form = await checked_form(request)
        name, password = str(form.get("name") or ""), str(form.get("password") or "")
        target = safe_next(str(form.get("next") or "/"))
        result = await run_in_threadpool(services.accounts.authenticate, name, password)
        if not result.ok:
            if result.locked_until:
                minutes = max(
                    1, int((result.locked_until - services.inbox.clock()).total_seconds() // 60)
                )
                error = (
                    "Too many failed attempts: this account is locked for "
                    f"{minutes} more minutes. Ask a colleague to reset it if urgent."
                )
            else:
                error = "That name and password do not match an active account."
            logger.info("console: a failed login")
            return page(request, "login.html", status_code=401, error=error, name=name,
                        next=target)
        if result.staff is None:  # authenticate() names the staff member of every success
            raise HTTPException(500, "Sign-in failed; please try again.")
        request.session.clear()  # a fresh session (and CSRF token) for the new login
        request.session.update(staff_id=result.staff.id, v=result.session_version)
        logger.info("console: staff %s logged in", result.staff.id)
        return back(target)

    async def logout(request: Request) -> Response:
        await checked_form(request)
        request.session.clear()
        return back("/login")

    # --- inbox ---------------------------------------------------------------------------

    async def home(request: Request) -> Response:
        return back("/inbox")

    async def inbox_page(request: Request) -> Response:
        requests = await run_in_threadpool(services.inbox.open_requests)
        closed = await run_in_threadpool(services.inbox.recently_closed)
        return page(request, "inbox.html", requests=requests, closed=closed)

    async def inbox_list(request: Request) -> Response:
        """The open requests as an HTML fragment (the inbox page refreshes it every few s)."""
        requests = await run_in_threadpool(services.inbox.open_requests)
        return page(request, "_inbox_list.html", requests=requests)

    async def request_page(request: Request) -> Response:
        handoff_id = request.path_params["handoff_id"]
        try:
            item = await run_in_threadpool(services.inbox.get, handoff_id)
        except InboxError as error:
            raise HTTPException(404, str(error)) from None
        return page(request, "request.html", item=item)

    async def request_lines(request: Request) -> Response:
        """New transcript lines as JSON (the page appends them as text, never as HTML)."""
        handoff_id = request.path_params["handoff_id"]
        try:
            after = int(request.query_params.get("after") or 0)
            item = await run_in_threadpool(services.inbox.get, handoff_id)
        except (ValueError, InboxError):
            return JSONResponse({"error": "no such request"}, status_code=404)
        lines = [
            {
                "id": line.id,
                "author": line.author,
                "who": line.staff_name or "",
                "text": line.text,
                "at": local(line.at, "%H:%M") if line.at else "",
            }
            for line in item.lines
            if line.id > after
        ]
        return JSONResponse(
            {"lines": lines, "status": item.status, "taken_by": item.taken_by or ""}
        )

    def inbox_action(method_name: str, done: str):
        async def action(request: Request) -> Response:
            form = await checked_form(request)
            handoff_id = request.path_params["handoff_id"]
            staff = signed_in_staff(request)
            args = [handoff_id, staff.name]
            if method_name == "reply":
                args.append(str(form.get("text") or ""))
            try:
                await run_in_threadpool(getattr(services.inbox, method_name), *args)
            except InboxError as error:
                if request.headers.get(CSRF_HEADER):
                    return JSONResponse({"error": str(error)}, status_code=409)
                flash(request, str(error), "error")
            else:
                if request.headers.get(CSRF_HEADER):
                    return JSONResponse({"ok": True})
                flash(request, done)
            return back(f"/inbox/{handoff_id}")

        return action

    # --- diary ---------------------------------------------------------------------------

    def day_param(request: Request, name: str = "day") -> date:
        text = request.query_params.get(name) or ""
        try:
            return date.fromisoformat(text) if text else services.diary.today()
        except ValueError:
            raise HTTPException(400, "Dates look like 2026-12-04.") from None

    async def diary_page(request: Request) -> Response:
        day = await run_in_threadpool(day_param, request)
        monday = week_start(day)
        today = await run_in_threadpool(services.diary.today)
        days = await run_in_threadpool(services.diary.days, monday, 7)
        selected = next(d for d in days if d.day == day)
        return page(
            request, "diary.html", day=day, today=today, days=days, selected=selected,
            previous_week=monday - timedelta(days=7), next_week=monday + timedelta(days=7),
        )

    async def booking_page(request: Request) -> Response:
        ref = request.path_params["ref"]
        booking = await run_in_threadpool(services.diary.booking, ref)
        if booking is None:
            raise HTTPException(404, "There is no booking with that reference.")
        move_day = await run_in_threadpool(day_param, request, "move_day")
        if "move_day" not in request.query_params:
            move_day = booking.start.date()
        slots = await run_in_threadpool(services.diary.free_slots, move_day)
        return page(request, "booking.html", booking=booking, move_day=move_day, slots=slots,
                    slot_value=slot_value)

    async def booking_cancel(request: Request) -> Response:
        await checked_form(request)
        ref = request.path_params["ref"]
        try:
            booking = await run_in_threadpool(
                services.diary.cancel, ref, signed_in_staff(request).name
            )
        except BookingNotFound:
            flash(request, f"{ref} is not a confirmed booking (cancelled already?).", "error")
            return back(f"/diary/booking/{quote(ref)}")
        flash(request, f"Cancelled {booking.ref}. The slot is free again.")
        return back(f"/diary?day={booking.start.date().isoformat()}")

    async def booking_move(request: Request) -> Response:
        form = await checked_form(request)
        ref = request.path_params["ref"]
        try:
            day = date.fromisoformat(str(form.get("day") or ""))
        except ValueError:
            flash(request, "Choose a day and a free time.", "error")
            return back(f"/diary/booking/{quote(ref)}")
        slot = await run_in_threadpool(services.diary.find_slot, day, str(form.get("slot") or ""))
        if slot is None:
            flash(request, "That time is no longer free; choose another.", "error")
            return back(f"/diary/booking/{quote(ref)}?move_day={day.isoformat()}")
        try:
            booking = await run_in_threadpool(
                services.diary.move, ref, slot, signed_in_staff(request).name
            )
        except BookingNotFound:
            flash(request, f"{ref} is not a confirmed booking.", "error")
            return back(f"/diary/booking/{quote(ref)}")
        except SlotUnavailable:
            flash(request, "That time was just taken; choose another.", "error")
            return back(f"/diary/booking/{quote(ref)}?move_day={day.isoformat()}")
        flash(request, f"Moved {booking.ref} to {local(booking.start)} with "
                       f"{booking.practitioner}.")
        return back(f"/diary?day={booking.start.date().isoformat()}")

    async def new_booking_page(request: Request) -> Response:
        day = await run_in_threadpool(day_param, request)
        slots = await run_in_threadpool(services.diary.free_slots, day)
        return page(request, "new_booking.html", day=day, slots=slots, slot_value=slot_value,
                    values={}, error=None)

    async def new_booking(request: Request) -> Response:
        form = await checked_form(request)
        values = {key: str(form.get(key) or "") for key in ("name", "contact", "slot", "day")}
        try:
            day = date.fromisoformat(values["day"])
        except ValueError:
            day = await run_in_threadpool(services.diary.today)
        slots = await run_in_threadpool(services.diary.free_slots, day)
        slot = next((s for s in slots if slot_value(s) == values["slot"]), None)
        error = None
        if slot is None:
            error = "Choose one of the free times."
        else:
            try:
                booking = await run_in_threadpool(
                    services.diary.add_phone_booking,
                    values["name"], values["contact"], slot, form.get("consent") == "yes",
                    signed_in_staff(request).name,
                )
            except ContactError as problem:
                error = str(problem)
            except ConsentRequired:
                error = (
                    "Ask the client whether we may keep their contact details, and tick the box."
                )
            except SlotUnavailable:
                error = "That time was just taken; choose another."
            else:
                flash(request, f"Booked {booking.ref}: {local(booking.start)} with "
                               f"{booking.practitioner}.")
                return back(f"/diary?day={booking.start.date().isoformat()}")
        slots = await run_in_threadpool(services.diary.free_slots, day)
        return page(request, "new_booking.html", status_code=400, day=day, slots=slots,
                    slot_value=slot_value, values=values, error=error)

    # --- ask, knowledge, audit ----------------------------------------------------------

    async def ask_page(request: Request) -> Response:
        return page(request, "ask.html", question="", result=None, error=None)

    async def ask_question(request: Request) -> Response:
        form = await checked_form(request)
        question = str(form.get("question") or "").strip()
        if not question or len(question) > MAX_QUESTION_CHARS:
            return page(
                request, "ask.html", status_code=400, question=question[:MAX_QUESTION_CHARS],
                result=None, error=f"Type a question (up to {MAX_QUESTION_CHARS} characters).",
            )
        if not settings.model_path.is_file():
            return page(request, "ask.html", status_code=503, question=question, result=None,
                        error="There is no trained model yet (run `make train`).")
        result = await ask(question, settings.model_path, url)
        return page(request, "ask.html", question=question, result=result, error=None)

    async def knowledge_page(request: Request) -> Response:
        status = await run_in_threadpool(knowledge_status, settings.knowledge_dir, url)
        return page(request, "knowledge.html", status=status)

    async def audit_page(request: Request) -> Response:
        entries = await run_in_threadpool(audit.recent, 200, url)
        return page(request, "audit.html", entries=entries)

    # --- errors --------------------------------------------------------------------------

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)  # registered for HTTPException only
        if request.headers.get(CSRF_HEADER) or "text/html" not in request.headers.get(
            "accept", "text/html"
        ):
            return JSONResponse({"error": error.detail}, status_code=error.status_code)
        return page(request, "error.html", status_code=error.status_code, message=error.detail)

    async def store_error(request: Request, error: Exception) -> Response:
        logger.error("console: store error (%s)", type(error).__name__)
        return page_without_store(request, error)

    def page_without_store(request: Request, error: Exception) -> Response:
        message = (
            "The clinic's knowledge is not loaded (run `clinic knowledge load`)."
            if isinstance(error, KnowledgeNotLoaded)
            else "The store cannot be reached just now. Please try again in a moment."
        )
        return templates.TemplateResponse(
            request, "error.html",
            {"request": request, "staff": None, "csrf": "", "now": None, "open_count": 0,
             "flash": None, "message": message},
            status_code=503,
        )

    routes = [
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/", home, methods=["GET"]),
        Route("/inbox", inbox_page, methods=["GET"]),
        Route("/inbox/list", inbox_list, methods=["GET"]),
        Route("/inbox/{handoff_id:int}", request_page, methods=["GET"]),
        Route("/inbox/{handoff_id:int}/lines", request_lines, methods=["GET"]),
        Route("/inbox/{handoff_id:int}/take", inbox_action("take", "You have the conversation: "
              "the assistant is silent in it until you hand it back."), methods=["POST"]),
        Route("/inbox/{handoff_id:int}/reply", inbox_action("reply", "Reply sent."),
              methods=["POST"]),
        Route("/inbox/{handoff_id:int}/hand-back", inbox_action(
            "hand_back", "Handed back to the assistant; the request is closed."),
            methods=["POST"]),
        Route("/inbox/{handoff_id:int}/close", inbox_action("close", "Request closed."),
              methods=["POST"]),
        Route("/diary", diary_page, methods=["GET"]),
        Route("/diary/new", new_booking_page, methods=["GET"]),
        Route("/diary/new", new_booking, methods=["POST"]),
        Route("/diary/booking/{ref}", booking_page, methods=["GET"]),
        Route("/diary/booking/{ref}/cancel", booking_cancel, methods=["POST"]),
        Route("/diary/booking/{ref}/move", booking_move, methods=["POST"]),
        Route("/ask", ask_page, methods=["GET"]),
        Route("/ask", ask_question, methods=["POST"]),
        Route("/knowledge", knowledge_page, methods=["GET"]),
        Route("/audit", audit_page, methods=["GET"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(
            SessionMiddleware,
            secret_key=secret_key(settings),
            session_cookie=SESSION_COOKIE,
            max_age=SESSION_HOURS * 3600,
            same_site="lax",
            https_only=settings.console_https,
        ),
        Middleware(RequireLogin, accounts=services.accounts),
    ]
    return Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={
            HTTPException: http_error,
            StoreUnavailable: store_error,
            KnowledgeNotLoaded: store_error,
        },
    )
