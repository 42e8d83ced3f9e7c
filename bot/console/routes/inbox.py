"""The handoff inbox: open requests, one request's conversation, take/reply/hand back/close."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.console.inbox import InboxError
from bot.console.pages import Pages, RouteTable, back, flash
from bot.console.security import checked_form, signed_in_staff, wants_json_reply

TAKEN_TEXT = "You have the conversation: the assistant is silent in it until you hand it back."
# path suffix -> (Inbox method, what the page says once it is done)
ACTIONS = {
    "take": ("take", TAKEN_TEXT),
    "reply": ("reply", "Reply sent."),
    "hand-back": ("hand_back", "Handed back to the assistant; the request is closed."),
    "close": ("close", "Request closed."),
}


def routes(pages: Pages) -> list[Route]:
    table = RouteTable()
    inbox = pages.services.inbox

    @table.get("/")
    async def home(request: Request) -> Response:
        return back("/inbox")

    @table.get("/inbox")
    async def inbox_page(request: Request) -> Response:
        requests = await run_in_threadpool(inbox.open_requests)
        closed = await run_in_threadpool(inbox.recently_closed)
        return pages.page(request, "inbox.html", requests=requests, closed=closed)

    @table.get("/inbox/list")
    async def inbox_list(request: Request) -> Response:
        """The open requests as an HTML fragment (the inbox page refreshes it every few s)."""
        requests = await run_in_threadpool(inbox.open_requests)
        return pages.page(request, "_inbox_list.html", requests=requests)

    @table.get("/inbox/{handoff_id:int}")
    async def request_page(request: Request) -> Response:
        handoff_id = request.path_params["handoff_id"]
        try:
            item = await run_in_threadpool(inbox.get, handoff_id)
        except InboxError as error:
            raise HTTPException(404, str(error)) from None
        return pages.page(request, "request.html", item=item)

    @table.get("/inbox/{handoff_id:int}/lines")
    async def request_lines(request: Request) -> Response:
        """New transcript lines as JSON (the page appends them as text, never as HTML)."""
        handoff_id = request.path_params["handoff_id"]
        try:
            after = int(request.query_params.get("after") or 0)
            item = await run_in_threadpool(inbox.get, handoff_id)
        except (ValueError, InboxError):
            return JSONResponse({"error": "no such request"}, status_code=404)
        lines = [
            {
                "id": line.id,
                "author": line.author,
                "who": line.staff_name or "",
                "text": line.text,
                "at": pages.local(line.at, "%H:%M") if line.at else "",
            }
            for line in item.lines
            if line.id > after
        ]
        return JSONResponse(
            {"lines": lines, "status": item.status, "taken_by": item.taken_by or ""}
        )

    def inbox_action(method_name: str, done: str) -> Callable[[Request], Awaitable[Response]]:
        async def action(request: Request) -> Response:
            form = await checked_form(request)
            handoff_id = request.path_params["handoff_id"]
            args = [handoff_id, signed_in_staff(request).name]
            if method_name == "reply":
                args.append(str(form.get("text") or ""))
            try:
                await run_in_threadpool(getattr(inbox, method_name), *args)
            except InboxError as error:
                if wants_json_reply(request):
                    return JSONResponse({"error": str(error)}, status_code=409)
                flash(request, str(error), "error")
            else:
                if wants_json_reply(request):
                    return JSONResponse({"ok": True})
                flash(request, done)
            return back(f"/inbox/{handoff_id}")

        return action

    for suffix, (method, done) in ACTIONS.items():
        table.post(f"/inbox/{{handoff_id:int}}/{suffix}")(inbox_action(method, done))
    return table.routes
