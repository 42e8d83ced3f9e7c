"""Find health conditions, medicines and ages in a message with spaCy rules.

No statistical model is needed (or reachable offline): a blank English
tokenizer plus a case-insensitive PhraseMatcher built from the knowledge
store's synonyms, and a token Matcher for ages ("I'm 16", "65 years old").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import spacy
from spacy.matcher import Matcher, PhraseMatcher
from spacy.util import filter_spans

UNDER_18 = "under_18"
OLDER_ADULT = "older_adult"
ADULT_AGE_FROM = 18
OLDER_ADULT_FROM = 60
# "I'm 5 weeks pregnant" is not an age.
_NOT_AGE_UNITS = {"week", "weeks", "wks", "wk", "month", "months", "day", "days", "hours", "mins"}

_RELATIVES = [
    "daughter", "son", "child", "kid", "niece", "nephew", "granddaughter", "grandson",
    "mum", "mom", "mother", "dad", "father", "nan", "gran", "grandma", "grandad", "wife",
    "husband", "partner", "sister", "brother", "friend",
]
_AGE_PATTERNS: list[list[dict[str, Any]]] = [
    # 16 years old, 16 year old, 70 yrs old, 65 yo. "Years" alone is a span of time, not an
    # age: "my last seizure was 3 years ago", "botox 4 yrs back", "had it for 10 years".
    [{"LIKE_NUM": True}, {"LOWER": "-", "OP": "?"},
     {"LOWER": {"IN": ["years", "year", "yrs", "yr"]}}, {"LOWER": "-", "OP": "?"},
     {"LOWER": "old"}],
    [{"LIKE_NUM": True}, {"LOWER": {"IN": ["yo", "y/o"]}}],
    # I'm 16, im 65, i am 70, aged 17, age 66, she's 70, he is 15
    [{"LOWER": {"IN": ["i", "she", "he"]}}, {"LOWER": {"IN": ["'m", "am", "m", "'s", "is"]}},
     {"LIKE_NUM": True}],
    [{"LOWER": {"IN": ["im", "aged", "age", "shes", "hes"]}}, {"LIKE_NUM": True}],
    # my daughter is 16, my mum's 72, son is 15
    [{"LOWER": {"IN": _RELATIVES}}, {"LOWER": {"IN": ["'s", "is", "s", "turned", "just"]}},
     {"LOWER": {"IN": ["turned", "is"]}, "OP": "?"}, {"LIKE_NUM": True}],
]


@dataclass(frozen=True)
class ConditionMention:
    """A span of the message naming a condition, with the condition's canonical key."""

    start: int  # character offsets into the message
    end: int
    text: str
    key: str


class ConditionMatcher:
    """Maps phrases people type to canonical condition keys."""

    def __init__(self, synonyms: Mapping[str, list[str]]) -> None:
        """`synonyms`: condition key -> phrases (matched case-insensitively)."""
        self._nlp = spacy.blank("en")
        self._phrases = PhraseMatcher(self._nlp.vocab, attr="LOWER")
        for key, phrases in synonyms.items():
            self._phrases.add(key, [self._nlp.make_doc(phrase) for phrase in phrases])
        self._ages = Matcher(self._nlp.vocab)
        self._ages.add("AGE", _AGE_PATTERNS)
        self._age_keys_known = {UNDER_18, OLDER_ADULT} & set(synonyms)

    def find(self, text: str) -> list[ConditionMention]:
        doc = self._nlp.make_doc(text)
        keyed = {}
        for match_id, start, end in self._phrases(doc):
            span = doc[start:end]
            keyed[(span.start, span.end)] = self._nlp.vocab.strings[match_id]
        for _, start, end in self._ages(doc):
            age_token = next(token for token in doc[start:end] if token.like_num)
            key = self._age_key(age_token)
            if key:
                keyed[(age_token.i, age_token.i + 1)] = key
        spans = filter_spans(doc[start:end] for start, end in keyed)  # longest wins
        return [
            ConditionMention(
                span.start_char, span.end_char, span.text, keyed[(span.start, span.end)]
            )
            for span in sorted(spans, key=lambda span: span.start)
        ]

    def _age_key(self, token) -> str | None:
        following = token.nbor(1).lower_ if token.i + 1 < len(token.doc) else ""
        if following in _NOT_AGE_UNITS or not token.text.isdigit():
            return None
        age = int(token.text)
        if age < ADULT_AGE_FROM:
            key = UNDER_18 if age >= 1 else None
        elif age >= OLDER_ADULT_FROM and age <= 120:
            key = OLDER_ADULT
        else:
            key = None
        return key if key in self._age_keys_known else None
