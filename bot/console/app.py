"""The console's web app (Starlette, server-rendered Jinja2 pages, a little plain JavaScript).

The routes live by job in bot/console/routes/; login, CSRF and headers in
bot/console/security.py; page rendering in bot/console/pages.py. This module puts them
together with the session cookie and the error pages.
"""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from bot.console.pages import HERE, Pages, Services
from bot.console.routes import auth, diary, inbox, knowledge
from bot.console.security import RequireLogin, SecurityHeaders, secret_key, wants_json_reply
from bot.settings import Settings, get_settings
from bot.store.queries import KnowledgeNotLoaded
from bot.store.session import StoreUnavailable

logger = logging.getLogger(__name__)

SESSION_COOKIE = "clinic_console"
SESSION_HOURS = 12


def build_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    services = Services.for_settings(settings)
    pages = Pages(services)

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)  # registered for HTTPException only
        if wants_json_reply(request) or "text/html" not in request.headers.get(
            "accept", "text/html"
        ):
            return JSONResponse({"error": error.detail}, status_code=error.status_code)
        return pages.page(request, "error.html", status_code=error.status_code,
                          message=error.detail)

    async def store_error(request: Request, error: Exception) -> Response:
        logger.error("console: store error (%s)", type(error).__name__)
        message = (
            "The clinic's knowledge is not loaded (run `clinic knowledge load`)."
            if isinstance(error, KnowledgeNotLoaded)
            else "The store cannot be reached just now. Please try again in a moment."
        )
        return pages.error_without_store(request, message)

    routes: list[BaseRoute] = [
        *auth.routes(pages),
        *inbox.routes(pages),
        *diary.routes(pages),
        *knowledge.routes(pages),
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
