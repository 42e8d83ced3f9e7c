"""Reply texts composed from store records: pure functions, no I/O."""

from __future__ import annotations

from datetime import datetime
from itertools import groupby

from bot.store.models import Verdict
from bot.store.queries import Clinic, ConditionAdvice, OpeningSpan, TreatmentPrice

CURRENCY_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# Never a blanket "yes": every verdict ends with the practitioner checking it.
VERDICT_LEADS = {
    Verdict.OK: "{name}: that is usually fine.",
    Verdict.CAUTION: "{name}: usually possible, with some care.",
    Verdict.CONSULT_FIRST: "{name}: please talk to the practitioner before you book a treatment.",
    Verdict.NOT_NOW: "{name}: not for now.",
}
PRACTITIONER_CHECKS = (
    "The practitioner goes through your health and medicines with you at the consultation "
    "before any needles are used."
)


def format_money(minor_units: int, currency: str) -> str:
    """85_00 GBP -> "£85"; 85_50 GBP -> "£85.50"."""
    symbol = CURRENCY_SYMBOLS.get(currency, f"{currency} ")
    whole, fraction = divmod(minor_units, 100)
    return f"{symbol}{whole:,}" if fraction == 0 else f"{symbol}{whole:,}.{fraction:02d}"


def price_list(intro: str, treatments: list[TreatmentPrice], currency: str) -> str:
    lines = [
        f"- {t.name} ({t.duration_minutes} min): {format_money(t.price_minor, currency)}"
        for t in treatments
    ]
    return "\n".join([intro.strip(), *lines])


def _span_text(span: OpeningSpan) -> str:
    return f"{span.opens:%H:%M}-{span.closes:%H:%M}"


def opening_hours_text(hours: tuple[OpeningSpan, ...]) -> str:
    """Compact hours, consecutive days with equal times merged: "Mon-Wed 09:00-18:00; ..."."""
    by_day = {span.weekday: _span_text(span) for span in hours}
    parts = []
    for times, days in groupby(range(7), key=lambda day: by_day.get(day)):
        run = list(days)
        first, last = DAY_NAMES[run[0]], DAY_NAMES[run[-1]]
        label = first if len(run) == 1 else f"{first}-{last}"
        parts.append(f"{label} {times or 'closed'}")
    return "; ".join(parts)


def is_open(clinic: Clinic, at: datetime) -> bool:
    """Whether the front desk is open at `at` (an aware datetime)."""
    from zoneinfo import ZoneInfo

    local = at.astimezone(ZoneInfo(clinic.timezone))
    return any(
        span.weekday == local.weekday() and span.opens <= local.time() < span.closes
        for span in clinic.opening_hours
    )


def suitability_reply(conditions: list[ConditionAdvice]) -> str:
    paragraphs = [
        f"{VERDICT_LEADS[c.verdict].format(name=c.name[:1].upper() + c.name[1:])} "
        f"{c.advice.strip()}"
        for c in conditions
    ]
    return "\n\n".join([*paragraphs, PRACTITIONER_CHECKS])


def unknown_condition_reply() -> str:
    return (
        "Which condition, medicine or situation are you thinking of? For example pregnancy, "
        "blood thinners such as warfarin, recent botox or fillers, or a skin condition. "
        "If it's something I don't have notes on, the practitioner will go through it with "
        "you at the consultation, so please mention it when you book."
    )


def booking_offer(first_session: TreatmentPrice | None, currency: str) -> str:
    if first_session is None:
        return "Would you like to book a first session?"
    price = format_money(first_session.price_minor, currency)
    return (
        f"Would you like to book a first session? It takes {first_session.duration_minutes} "
        f"minutes, including the consultation, and costs {price}."
    )


def booking_contact(clinic: Clinic) -> str:
    return (
        f"To book your first session, call us on {clinic.phone} or email {clinic.email}. "
        f"We're at {clinic.address}. Opening hours: {opening_hours_text(clinic.opening_hours)}."
    )


def front_desk_reply(clinic: Clinic, now: datetime) -> str:
    hours = opening_hours_text(clinic.opening_hours)
    if is_open(clinic, now):
        return (
            "Of course. I've passed your conversation to the front desk, and someone will "
            f"get back to you shortly. You can also call {clinic.phone} or email "
            f"{clinic.email}."
        )
    return (
        "Of course. I've passed your conversation to the front desk. They're closed right "
        f"now (hours: {hours}), so someone will get back to you when we open. You can also "
        f"email {clinic.email}, or call {clinic.phone} when we're open."
    )


def store_unavailable_reply(phone: str | None) -> str:
    contact = f"please call the clinic on {phone}" if phone else "please call the clinic"
    return f"Sorry, I can't look that up right now. For an answer straight away, {contact}."


def no_answer_yet(phone: str | None) -> str:
    contact = f"call the clinic on {phone}" if phone else "ask to speak to a person"
    return f"I don't have a vetted answer to that yet. Please {contact} and we'll help."


def assistant_unavailable_reply(phone: str | None) -> str:
    """When the assistant produced no answer at all (e.g. its action server is down)."""
    contact = f" or call the clinic on {phone}" if phone else ""
    return f"Sorry, I'm having trouble answering right now. Please try again in a moment{contact}."
