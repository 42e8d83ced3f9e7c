"""The ask box (the assistant's answer with its sources), the knowledge status, the audit log."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.console import audit
from bot.console.asking import ask, knowledge_status
from bot.console.pages import Pages, RouteTable
from bot.console.security import checked_form

MAX_QUESTION_CHARS = 1000
AUDIT_ROWS = 200
NO_MODEL = "There is no trained model yet (run `make train`)."


def routes(pages: Pages) -> list[Route]:
    table = RouteTable()
    settings = pages.services.settings
    url = settings.database_url

    @table.get("/ask")
    async def ask_page(request: Request) -> Response:
        return pages.page(request, "ask.html", question="", result=None, error=None)

    @table.post("/ask")
    async def ask_question(request: Request) -> Response:
        form = await checked_form(request)
        question = str(form.get("question") or "").strip()
        if not question or len(question) > MAX_QUESTION_CHARS:
            return pages.page(
                request, "ask.html", status_code=400, question=question[:MAX_QUESTION_CHARS],
                result=None, error=f"Type a question (up to {MAX_QUESTION_CHARS} characters).",
            )
        if not settings.model_path.is_file():
            return pages.page(request, "ask.html", status_code=503, question=question,
                              result=None, error=NO_MODEL)
        result = await ask(question, settings.model_path, url)
        return pages.page(request, "ask.html", question=question, result=result, error=None)

    @table.get("/knowledge")
    async def knowledge_page(request: Request) -> Response:
        status = await run_in_threadpool(knowledge_status, settings.knowledge_dir, url)
        return pages.page(request, "knowledge.html", status=status)

    @table.get("/audit")
    async def audit_page(request: Request) -> Response:
        entries = await run_in_threadpool(audit.recent, AUDIT_ROWS, url)
        return pages.page(request, "audit.html", entries=entries)

    return table.routes
