"""Find the FAQ topic a message asks about: TF-IDF over the ways clients ask each topic.

Every topic in the store lists `questions:` (5 to 15 ways clients ask it). A message is
compared with each of them and with the topic's title, by cosine similarity over word
n-grams (which words, which pairs: "after" versus "before") and character n-grams (typos,
"make-up" versus "makeup"). A topic scores a blend of its closest question and of its
centroid (all its questions together: the topic's vocabulary). The index is rebuilt
when `clinic knowledge load` changed the store (one cheap version read per message), so a
new topic is answerable at once: no retraining, no restart.

The thresholds below are calibrated by cross-validation over the topics' own questions
(`python -m bench.faq --calibrate`, figures in docs/benchmarks.md), never on a hold-out.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from bot.store import queries
from bot.store.session import session_scope

# Share of the similarity that comes from whole words (the rest: character n-grams), and of
# a topic's score that comes from its closest question (the rest: its centroid). Chosen by
# 5-fold cross-validation: top-1 0.38 with the closest question alone at WORD_WEIGHT 0.5,
# 0.50 with centroids alone, 0.52 with this blend.
WORD_WEIGHT = 0.3
CLOSEST_WEIGHT = 0.3
# Answer the best topic at or above this score, if no other topic is within MARGIN of it.
# The pair with the most right answers whose wrong answers stay under 1% in 10-fold CV
# (55 topics, 794 questions: 19.6% answered right, 0.9% wrong, 47% a choice holding it).
ANSWER_THRESHOLD = 0.50
MARGIN = 0.12
# Between SUGGEST_THRESHOLD and an answer: offer the best topics as buttons ("Do you mean").
SUGGEST_THRESHOLD = 0.30
MAX_SUGGESTIONS = 2

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})


def normalise(text: str) -> str:
    """Lower case, plain apostrophes, "make-up" = "makeup", single spaces."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).lower()
    text = re.sub(r"(?<=\w)[-'](?=\w)", "", text)  # make-up -> makeup, what's -> whats
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


@dataclass(frozen=True)
class Ranked:
    key: str
    title: str
    score: float


@dataclass(frozen=True)
class Decision:
    """What to do with a message: answer one topic, offer a choice, or neither."""

    answer: Ranked | None
    suggestions: tuple[Ranked, ...]
    ranked: tuple[Ranked, ...]

    @property
    def found(self) -> bool:
        return self.answer is not None or bool(self.suggestions)


def decide(
    ranked: Sequence[Ranked],
    answer_threshold: float = ANSWER_THRESHOLD,
    margin: float = MARGIN,
    suggest_threshold: float = SUGGEST_THRESHOLD,
) -> Decision:
    ranked = tuple(ranked)
    if not ranked or ranked[0].score < suggest_threshold:
        return Decision(None, (), ranked)
    best = ranked[0]
    runner_up = ranked[1].score if len(ranked) > 1 else 0.0
    if best.score >= answer_threshold and best.score - runner_up >= margin:
        return Decision(best, (), ranked)
    close = tuple(r for r in ranked[:MAX_SUGGESTIONS] if r.score >= suggest_threshold)
    return Decision(None, close, ranked)


class FaqIndex:
    """An immutable index over the topics' questions and titles."""

    def __init__(
        self,
        entries: Sequence[queries.FaqEntry],
        word_weight: float = WORD_WEIGHT,
        closest_weight: float = CLOSEST_WEIGHT,
    ):
        self.closest_weight = closest_weight
        self.keys: list[str] = []
        self.titles: dict[str, str] = {}
        self.intents: dict[str, str] = {}
        documents: list[str] = []
        starts: list[int] = []
        for entry in entries:
            texts = [normalise(t) for t in (entry.title, *entry.questions)]
            texts = [t for t in texts if t]
            if not texts:
                continue
            self.keys.append(entry.key)
            self.titles[entry.key] = entry.title
            if entry.intent:
                self.intents[entry.intent] = entry.key
            starts.append(len(documents))
            documents.extend(texts)
        self._starts = np.array(starts, dtype=np.intp)
        self._word = TfidfVectorizer(
            analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b"
        )
        self._char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
        # Each part is L2-normalised, so the weighted stack's dot product is the weighted
        # mean of the two cosines.
        self._weights = (np.sqrt(word_weight), np.sqrt(1.0 - word_weight))
        self._docs = self._centroids = None
        self._parts: list[tuple] = []
        if documents:
            stacked = self._stack(
                self._word.fit_transform(documents), self._char.fit_transform(documents)
            )
            self._docs = stacked  # documents x features
            ends = [*starts[1:], len(documents)]
            sums = np.vstack(
                [np.asarray(stacked[a:b].sum(axis=0)) for a, b in zip(starts, ends, strict=True)]
            )
            self._centroids = csr_matrix(normalize(sums))  # topics x features
            # What a query needs to be vectorised without sklearn's per-call overhead.
            offset = 0
            for vectorizer, weight in zip((self._word, self._char), self._weights, strict=True):
                self._parts.append(
                    (vectorizer.build_analyzer(), vectorizer.vocabulary_, vectorizer.idf_,
                     offset, weight)
                )
                offset += len(vectorizer.vocabulary_)
            self._width = offset

    def __len__(self) -> int:
        return len(self.keys)

    def _stack(self, words, chars):
        return hstack([words * self._weights[0], chars * self._weights[1]]).tocsr()

    def _query(self, clean: str) -> np.ndarray:
        """The message as one dense row of the index's features (TF-IDF as in fitting:
        sublinear tf, idf, each part L2-normalised and weighted)."""
        vector = np.zeros(self._width)
        for analyzer, vocabulary, idf, offset, weight in self._parts:
            counts: dict[int, int] = {}
            for term in analyzer(clean):
                column = vocabulary.get(term)
                if column is not None:
                    counts[column] = counts.get(column, 0) + 1
            if not counts:
                continue
            columns = np.fromiter(counts, dtype=np.intp, count=len(counts))
            values = (1.0 + np.log(np.fromiter(counts.values(), dtype=float))) * idf[columns]
            vector[offset + columns] = values * (weight / np.linalg.norm(values))
        return vector

    def rank(self, text: str, limit: int = 5) -> list[Ranked]:
        """The closest topics, best first."""
        clean = normalise(text)
        if self._docs is None or not clean:
            return []
        query = self._query(clean)
        closest = np.maximum.reduceat(self._docs @ query, self._starts)
        centroid = self._centroids @ query
        per_topic = self.closest_weight * closest + (1.0 - self.closest_weight) * centroid
        order = np.argsort(-per_topic, kind="stable")[:limit]
        return [Ranked(self.keys[i], self.titles[self.keys[i]], float(per_topic[i])) for i in order]

    def decide(self, text: str) -> Decision:
        return decide(self.rank(text))


class FaqRetriever:
    """The index of the store's current knowledge, rebuilt when a load changed it."""

    def __init__(self, database_url: str | None = None) -> None:
        self.database_url = database_url
        self._index: FaqIndex | None = None
        self._version: tuple[str, int] | None = None
        self._lock = threading.Lock()

    def index(self) -> FaqIndex:
        with session_scope(self.database_url) as session:
            # The store's address too: with database_url=None it is the DATABASE_URL setting,
            # which may point elsewhere since the last read (each test has its own store).
            version = (str(session.get_bind().url), queries.knowledge_version(session))
            if self._index is not None and version == self._version:
                return self._index
            entries = queries.faq_entries(session)
        with self._lock:
            if self._index is None or version != self._version:
                self._index, self._version = FaqIndex(entries), version
            return self._index

    def decide(self, text: str) -> Decision:
        return self.index().decide(text)
