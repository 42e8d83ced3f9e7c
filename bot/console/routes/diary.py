"""The diary: a week of bookings, one booking (move, cancel), a booking taken on the phone."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.booking.contact import ContactError
from bot.booking.service import BookingNotFound, BookingRecord, ConsentRequired, SlotUnavailable
from bot.console.diary import slot_value, week_start
from bot.console.pages import Pages, RouteTable, back, flash
from bot.console.security import checked_form, signed_in_staff

JUST_TAKEN = "That time was just taken; choose another."
ASK_CONSENT = "Ask the client whether we may keep their contact details, and tick the box."


def booking_url(ref: str, move_day: date | None = None) -> str:
    url = f"/diary/booking/{quote(ref)}"
    return f"{url}?move_day={move_day.isoformat()}" if move_day else url


def diary_of(booking: BookingRecord) -> RedirectResponse:
    """Back to the diary on the day of a booking just changed."""
    return back(f"/diary?day={booking.start.date().isoformat()}")


def routes(pages: Pages) -> list[Route]:
    table = RouteTable()
    diary = pages.services.diary

    def day_param(request: Request, name: str = "day") -> date:
        text = request.query_params.get(name) or ""
        try:
            return date.fromisoformat(text) if text else diary.today()
        except ValueError:
            raise HTTPException(400, "Dates look like 2026-12-04.") from None

    @table.get("/diary")
    async def diary_page(request: Request) -> Response:
        day = await run_in_threadpool(day_param, request)
        monday = week_start(day)
        today = await run_in_threadpool(diary.today)
        days = await run_in_threadpool(diary.days, monday, 7)
        selected = next(d for d in days if d.day == day)
        return pages.page(
            request, "diary.html", day=day, today=today, days=days, selected=selected,
            previous_week=monday - timedelta(days=7), next_week=monday + timedelta(days=7),
        )

    @table.get("/diary/booking/{ref}")
    async def booking_page(request: Request) -> Response:
        ref = request.path_params["ref"]
        booking = await run_in_threadpool(diary.booking, ref)
        if booking is None:
            raise HTTPException(404, "There is no booking with that reference.")
        move_day = await run_in_threadpool(day_param, request, "move_day")
        if "move_day" not in request.query_params:
            move_day = booking.start.date()
        slots = await run_in_threadpool(diary.free_slots, move_day)
        return pages.page(request, "booking.html", booking=booking, move_day=move_day,
                          slots=slots, slot_value=slot_value)

    @table.post("/diary/booking/{ref}/cancel")
    async def booking_cancel(request: Request) -> Response:
        await checked_form(request)
        ref = request.path_params["ref"]
        try:
            booking = await run_in_threadpool(diary.cancel, ref, signed_in_staff(request).name)
        except BookingNotFound:
            flash(request, f"{ref} is not a confirmed booking (cancelled already?).", "error")
            return back(booking_url(ref))
        flash(request, f"Cancelled {booking.ref}. The slot is free again.")
        return diary_of(booking)

    @table.post("/diary/booking/{ref}/move")
    async def booking_move(request: Request) -> Response:
        form = await checked_form(request)
        ref = request.path_params["ref"]
        try:
            day = date.fromisoformat(str(form.get("day") or ""))
        except ValueError:
            flash(request, "Choose a day and a free time.", "error")
            return back(booking_url(ref))
        slot = await run_in_threadpool(diary.find_slot, day, str(form.get("slot") or ""))
        if slot is None:
            flash(request, "That time is no longer free; choose another.", "error")
            return back(booking_url(ref, day))
        try:
            booking = await run_in_threadpool(
                diary.move, ref, slot, signed_in_staff(request).name
            )
        except BookingNotFound:
            flash(request, f"{ref} is not a confirmed booking.", "error")
            return back(booking_url(ref))
        except SlotUnavailable:
            flash(request, JUST_TAKEN, "error")
            return back(booking_url(ref, day))
        flash(request, f"Moved {booking.ref} to {pages.local(booking.start)} with "
                       f"{booking.practitioner}.")
        return diary_of(booking)

    @table.get("/diary/new")
    async def new_booking_page(request: Request) -> Response:
        day = await run_in_threadpool(day_param, request)
        slots = await run_in_threadpool(diary.free_slots, day)
        return pages.page(request, "new_booking.html", day=day, slots=slots,
                          slot_value=slot_value, values={}, error=None)

    @table.post("/diary/new")
    async def new_booking(request: Request) -> Response:
        form = await checked_form(request)
        values = {key: str(form.get(key) or "") for key in ("name", "contact", "slot", "day")}
        try:
            day = date.fromisoformat(values["day"])
        except ValueError:
            day = await run_in_threadpool(diary.today)
        slots = await run_in_threadpool(diary.free_slots, day)
        slot = next((s for s in slots if slot_value(s) == values["slot"]), None)
        error = None
        if slot is None:
            error = "Choose one of the free times."
        else:
            try:
                booking = await run_in_threadpool(
                    diary.add_phone_booking,
                    values["name"], values["contact"], slot, form.get("consent") == "yes",
                    signed_in_staff(request).name,
                )
            except ContactError as problem:
                error = str(problem)
            except ConsentRequired:
                error = ASK_CONSENT
            except SlotUnavailable:
                error = JUST_TAKEN
            else:
                flash(request, f"Booked {booking.ref}: {pages.local(booking.start)} with "
                               f"{booking.practitioner}.")
                return diary_of(booking)
        slots = await run_in_threadpool(diary.free_slots, day)
        return pages.page(request, "new_booking.html", status_code=400, day=day, slots=slots,
                          slot_value=slot_value, values=values, error=error)

    return table.routes
