"""Logging in and out."""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.console.pages import Pages, RouteTable, back
from bot.console.security import checked_form, current_staff, safe_next

logger = logging.getLogger(__name__)


def routes(pages: Pages) -> list[Route]:
    table = RouteTable()
    services = pages.services

    @table.get("/login")
    async def login_page(request: Request) -> Response:
        if current_staff(request):
            return back(safe_next(request.query_params.get("next")))
        return pages.page(request, "login.html", error=None, name="",
                          next=safe_next(request.query_params.get("next")))

    @table.post("/login")
    async def login(request: Request) -> Response:
        form = await checked_form(request)
        name, password = str(form.get("name") or ""), str(form.get("password") or "")
        target = safe_next(str(form.get("next") or "/"))
        result = await run_in_threadpool(services.accounts.authenticate, name, password)
        if result.staff is None:
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
            return pages.page(request, "login.html", status_code=401, error=error, name=name,
                              next=target)
        request.session.clear()  # a fresh session (and CSRF token) for the new login
        request.session.update(staff_id=result.staff.id, v=result.session_version)
        logger.info("console: staff %s logged in", result.staff.id)
        return back(target)

    @table.post("/logout")
    async def logout(request: Request) -> Response:
        await checked_form(request)
        request.session.clear()
        return back("/login")

    return table.routes
