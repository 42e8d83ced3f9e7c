"""What a knowledge file may contain, checked before anything touches the store."""

from __future__ import annotations

import re
import string
from datetime import time
from typing import ClassVar, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConstrainedInt, ConstrainedStr, Extra, root_validator, validator

from bot.store.models import Verdict

KEY_PATTERN = r"^[a-z][a-z0-9_]*$"
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[str, ...] = get_args(Weekday)


# Constrained types as classes, not constr()/conint() calls, so that type checkers read them.
class Key(ConstrainedStr):
    regex = re.compile(KEY_PATTERN)
    max_length = 64


class IntentName(ConstrainedStr):
    regex = re.compile(KEY_PATTERN)


class NonEmpty(ConstrainedStr):
    strip_whitespace = True
    min_length = 1


class CountryCode(ConstrainedStr):
    regex = re.compile(r"^[A-Z]{2}$")


class CurrencyCode(ConstrainedStr):
    regex = re.compile(r"^[A-Z]{3}$")


class Minutes(ConstrainedInt):
    gt = 0
    le = 600


def _each_day_once(cls, hours: list) -> list:
    days = [entry.day for entry in hours]
    repeated = sorted({day for day in days if days.count(day) > 1})
    if repeated:
        raise ValueError(f"each day may appear once; repeated: {', '.join(repeated)}")
    return hours


class _Strict(BaseModel):
    class Config:
        extra = Extra.forbid
        anystr_strip_whitespace = True


class _DaySpan(_Strict):
    """A weekday with a start and an end time; a subclass declares the two times and names
    them in `span_fields` (the YAML keeps its own words: opens/closes, starts/ends)."""

    span_fields: ClassVar[tuple[str, str]]
    day: Weekday

    @root_validator(skip_on_failure=True)
    def _ends_after_start(cls, values):
        start, end = cls.span_fields
        if values[end] <= values[start]:
            raise ValueError(f"'{end}' must be later than '{start}'")
        return values

    @property
    def weekday(self) -> int:
        return WEEKDAYS.index(self.day)


class OpeningHoursSpec(_DaySpan):
    span_fields = ("opens", "closes")
    opens: time
    closes: time


class ClinicSpec(_Strict):
    name: NonEmpty
    address: NonEmpty
    phone: NonEmpty
    email: NonEmpty
    website: str | None = None
    privacy_url: str | None = None
    timezone: NonEmpty
    country: CountryCode
    currency: CurrencyCode
    emergency_number: NonEmpty
    urgent_advice_number: str | None = None
    opening_hours: list[OpeningHoursSpec]

    @validator("timezone")
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use e.g. Europe/London)") from None
        return value

    _one_entry_per_day = validator("opening_hours", allow_reuse=True)(_each_day_once)


# What a topic is about; after_visit and aftercare answers are care advice (no sales pitch).
Category = Literal[
    "about",
    "comparison",
    "safety",
    "before",
    "aftercare",
    "after_visit",
    "who",
    "practitioners",
    "policy",
    "assistant",
    "clinic",
]
NO_BOOKING_OFFER_CATEGORIES = frozenset({"aftercare", "after_visit"})
# Clinic facts computed from clinic.yml / practitioners.yml instead of a written answer.
Fact = Literal["address", "hours", "phone", "email", "practitioners"]
# {name} placeholders an answer may use, filled from clinic.yml when it is sent.
PLACEHOLDERS = frozenset(
    {
        "clinic_name",
        "phone",
        "email",
        "address",
        "map_link",
        "urgent_advice_number",
        "emergency_number",
        "website",
        "privacy_url",
    }
)


def placeholders_in(text: str) -> list[str]:
    """The {name} fields of an answer, in order (ValueError for stray braces)."""
    return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]


def _check_placeholders(text: str) -> str:
    try:
        names = placeholders_in(text)
    except ValueError:
        raise ValueError(
            "a '{' or '}' without a matching one; placeholders look like {phone}"
        ) from None
    unknown = sorted({name for name in names if name not in PLACEHOLDERS})
    if unknown:
        raise ValueError(
            f"unknown placeholder {{{unknown[0]}}} (use one of: "
            + ", ".join(f"{{{name}}}" for name in sorted(PLACEHOLDERS))
            + ")"
        )
    return text


def _normalised(question: str) -> str:
    return " ".join(question.lower().split())


class TopicSpec(_Strict):
    key: Key
    intent: IntentName | None = None
    title: NonEmpty
    category: Category | None = None
    fact: Fact | None = None
    answer: NonEmpty | None = None
    health_claim: bool
    offer_booking: bool = False
    confirmed: bool = True
    sources: list[NonEmpty] = []
    questions: list[NonEmpty] = []

    @validator("answer")
    def _known_placeholders(cls, answer: str | None) -> str | None:
        return None if answer is None else _check_placeholders(answer)

    @validator("questions")
    def _questions_once(cls, questions: list[str]) -> list[str]:
        seen: set[str] = set()
        for question in questions:
            if _normalised(question) in seen:
                raise ValueError(f"the question {question!r} is listed twice")
            seen.add(_normalised(question))
        return questions

    @root_validator(skip_on_failure=True)
    def _consistent(cls, values):
        if values["health_claim"] and not values["sources"]:
            raise ValueError("a health claim needs at least one entry under 'sources'")
        if values["fact"] is None and values["answer"] is None:
            raise ValueError("write an 'answer' (only clinic facts with 'fact:' have none)")
        if values["offer_booking"] and values["category"] in NO_BOOKING_OFFER_CATEGORIES:
            raise ValueError(
                f"a {values['category']} topic is care advice: 'offer_booking' must be false"
            )
        return values


class ConditionSpec(_Strict):
    key: Key
    name: NonEmpty
    verdict: Verdict
    advice: NonEmpty
    sources: list[NonEmpty] = []
    synonyms: list[NonEmpty]

    @validator("sources", always=True)
    def _advice_has_sources(cls, sources: list[str]) -> list[str]:
        if not sources:
            raise ValueError("advice about a condition is a health claim: list at least one source")
        return sources

    @validator("advice")
    def _known_advice_placeholders(cls, advice: str) -> str:
        return _check_placeholders(advice)

    @validator("synonyms")
    def _normalise_synonyms(cls, phrases: list[str]) -> list[str]:
        if not phrases:
            raise ValueError("list at least one phrase people type for this condition")
        # Matching is case-insensitive and whitespace-tolerant, so store the canonical form.
        return [re.sub(r"\s+", " ", phrase.lower()) for phrase in phrases]


class TreatmentSpec(_Strict):
    key: Key
    name: NonEmpty
    description: str = ""
    duration_minutes: Minutes
    price: str
    first_session: bool = False

    @validator("price", pre=True)
    def _price_with_two_decimals(cls, value: object) -> str:
        # Unquoted 85.50 arrives as the float 85.5: insist on the documented form.
        if not isinstance(value, str) or not re.fullmatch(r"\d{1,6}\.\d{2}", value.strip()):
            raise ValueError('write the price in quotes with two decimals, e.g. "85.00"')
        return value.strip()

    @property
    def price_minor(self) -> int:
        whole, _, fraction = self.price.partition(".")
        return int(whole) * 100 + int(fraction or 0)


class WorkingHoursSpec(_DaySpan):
    span_fields = ("starts", "ends")
    starts: time
    ends: time


class PractitionerSpec(_Strict):
    key: Key
    name: NonEmpty
    working_hours: list[WorkingHoursSpec]

    _one_entry_per_day = validator("working_hours", allow_reuse=True)(_each_day_once)


class KnowledgeFile(_Strict):
    """One YAML file: any of the sections below."""

    clinic: ClinicSpec | None = None
    topics: list[TopicSpec] = []
    conditions: list[ConditionSpec] = []
    treatments: list[TreatmentSpec] = []
    practitioners: list[PractitionerSpec] = []
