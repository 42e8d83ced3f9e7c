"""What every console route shares: the services, and pages rendered with their frame.

Client text is only ever rendered by autoescaping templates or set as textContent by the
page's script.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, TypeVar

import jinja2
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from bot.console.accounts import StaffAccounts
from bot.console.diary import Diary
from bot.console.inbox import Inbox, waited_text
from bot.console.security import csrf_token, current_staff
from bot.settings import Settings

HERE = Path(__file__).resolve().parent
ZONE_SECONDS = 60  # how long the clinic's time zone read from the store is reused
Handler = TypeVar("Handler", bound=Callable[..., Any])


@dataclass
class Services:
    settings: Settings
    accounts: StaffAccounts
    diary: Diary
    inbox: Inbox

    @classmethod
    def for_settings(cls, settings: Settings) -> Services:
        url = settings.database_url
        return cls(settings, StaffAccounts(url), Diary(url), Inbox(url))


class Pages:
    """Renders templates with what the frame needs (staff, CSRF token, open count, flash)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(HERE / "templates")),
            autoescape=True,  # client text is text, never HTML
            undefined=jinja2.StrictUndefined,
        )
        environment.filters["waited"] = waited_text
        environment.filters["local"] = self.local
        self.templates = Jinja2Templates(env=environment)
        self._zone: tzinfo | None = None
        self._zone_read_at = 0.0

    def clinic_zone(self) -> tzinfo:
        """The clinic's time zone, read from the store at most once a minute."""
        if self._zone is None or time.monotonic() - self._zone_read_at > ZONE_SECONDS:
            self._zone = self.services.diary.service.timezone()
            self._zone_read_at = time.monotonic()
        return self._zone

    def local(self, moment: datetime | None, fmt: str = "%a %d %b %H:%M") -> str:
        if moment is None:
            return "-"
        return moment.astimezone(self.clinic_zone()).strftime(fmt)

    def page(self, request: Request, template: str, status_code: int = 200, **context: Any
             ) -> Response:
        staff = current_staff(request)
        context.update(
            request=request,
            staff=staff,
            csrf=csrf_token(request),
            now=self.services.inbox.clock(),
            open_count=self.services.inbox.open_count() if staff else 0,
            flash=request.session.pop("flash", None),
        )
        return self.templates.TemplateResponse(
            request, template, context, status_code=status_code
        )

    def error_without_store(self, request: Request, message: str) -> Response:
        """The error page without anything read from the store (it is the broken part)."""
        return self.templates.TemplateResponse(
            request, "error.html",
            {"request": request, "staff": None, "csrf": "", "now": None, "open_count": 0,
             "flash": None, "message": message},
            status_code=503,
        )


def flash(request: Request, text: str, kind: str = "ok") -> None:
    """A message shown once, on the next page this session sees."""
    request.session["flash"] = {"text": text, "kind": kind}


def back(target: str) -> RedirectResponse:
    return RedirectResponse(target, status_code=303)


class RouteTable:
    """Routes declared at their handlers (`@table.get("/diary")`), so a path sits next to
    the code that serves it."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def get(self, path: str) -> Callable[[Handler], Handler]:
        return self._add(path, "GET")

    def post(self, path: str) -> Callable[[Handler], Handler]:
        return self._add(path, "POST")

    def _add(self, path: str, method: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.routes.append(Route(path, handler, methods=[method]))
            return handler

        return register
