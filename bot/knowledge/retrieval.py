"""Find the FAQ topic a message asks about: TF-IDF over the ways clients ask each topic.

Every topic in the store lists `questions:` (5 to 15 ways clients ask it). A message is
compared with each of them and with the topic's title, by cosine similarity over word
n-grams (which words, which pairs: "after" versus "before"; typos mended first, and the
names of `lexicon` word groups added) and character n-grams (typos, "make-up" versus
"makeup"). A topic scores a blend of its closest question and of its
centroid (all its questions together: the topic's vocabulary); a linear classifier over
the same features, fitted when the index is built, sharpens the ranking between close
topics, while the similarity alone decides whether a topic is in play. The index is rebuilt
when `clinic knowledge load` changed the store (one cheap version read per message), so a
new topic is answerable at once: no retraining, no restart.

A message that plainly asks for a clinic fact ("what time do you close on thursday", see
`facts.fact_asked`) ranks that fact's topic first with FACT_SCORE: answered from the YAML,
never a "Do you mean" choice.

`decide` turns a ranking into an answer, a named guess (a clear favourite among close
topics, answered with the others as buttons), a "Do you mean" choice, or nothing.

The thresholds below are calibrated by cross-validation over the topics' own questions
(`python -m bench.faq`, figures in docs/benchmarks.md), never on a hold-out.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.linalg
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from bot.knowledge import facts, lexicon
from bot.knowledge.spelling import Speller
from bot.store import queries
from bot.store.session import session_scope

# Share of the similarity that comes from whole words (the rest: character n-grams), and of
# a topic's score that comes from its closest question (the rest: its centroid). Chosen by
# 5-fold cross-validation: top-1 0.38 with the closest question alone at WORD_WEIGHT 0.5,
# 0.50 with centroids alone, 0.52 with this blend.
WORD_WEIGHT = 0.3
CLOSEST_WEIGHT = 0.3
# Share of a topic's score from a linear classifier over the same features (one-vs-rest
# ridge regression, fitted when the index is built: well under a second), the rest from
# the similarity blend above. The classifier learns which words tell close topics apart
# ("before" / "after" make-up) where similarity weighs every shared word alike. 10-fold CV
# top-1: similarity alone 0.664, ridge alone 0.702, this blend 0.699 (0.712 with the
# clinic-fact wordings); top-2 0.771 -> 0.820.
RIDGE_WEIGHT = 0.7
RIDGE_ALPHA = 1.0
# Answer the best topic when the message's similarity to it is at least ANSWER_THRESHOLD
# and its score is MARGIN clear of the runner-up. The pair with the most right answers in
# 10-fold CV whose wrong answers stay within 2% and which answers at most 5% of the NLU
# data's off-topic messages (64 topics, 951 questions: 36.9% right, 2.0% wrong, 4.9% of
# the off-topic messages answered; `python -m bench.faq`).
ANSWER_THRESHOLD = 0.44
MARGIN = 0.20
# Between SUGGEST_THRESHOLD (similarity) and an answer: offer the best topics as buttons
# ("Do you mean"). Below it the message is not about any topic.
SUGGEST_THRESHOLD = 0.30
MAX_SUGGESTIONS = 2
# A choice whose best topic ranks LIKELY_MARGIN clear of the runner-up is answered as a best
# guess, with the runner-up as a button: a bare "Do you mean" menu reads as no answer. The
# smallest margin at which 10-fold CV's best guesses are right at least LIKELY_PRECISION of
# the time (`python -m bench.faq`); closer calls stay a plain choice.
LIKELY_MARGIN = 0.10
LIKELY_PRECISION = 0.80
# Below SUGGEST_THRESHOLD a topic far ahead of all others (LONE_MARGIN) is still a likely
# guess if the message is at least LONE_FLOOR close to it ("do you treat teenagers? my
# daughter is 16"): in 10-fold CV such lone guesses were right 10 times in 12, and 13 of the
# 351 off-topic messages of data/nlu.yml would get one (a sure "off-topic" never takes it).
LONE_FLOOR = 0.20
LONE_MARGIN = 0.30
# A clinic-fact topic whose fact the message plainly asks for ranks first, far clear of
# any blend of cosines and classifier, as close as can be: answered outright.
FACT_SCORE = 10.0

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})


def normalise(text: str) -> str:
    """Lower case, plain apostrophes, "make-up" = "makeup", single spaces."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).lower()
    text = re.sub(r"(?<=\w)[-'](?=\w)", "", text)  # make-up -> makeup, what's -> whats
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


@dataclass(frozen=True)
class Ranked:
    """A topic's place for a message: `score` orders the topics (similarity and classifier
    blended); `similarity` (how close the message is to the topic's own wording, 0 to 1)
    says whether the topic is in play at all. Without a similarity, the score serves."""

    key: str
    title: str
    score: float
    similarity: float | None = None

    @property
    def closeness(self) -> float:
        return self.score if self.similarity is None else self.similarity


@dataclass(frozen=True)
class Decision:
    """What to do with a message: answer one topic, offer a choice, or neither. A choice
    may carry a `likely` topic (its first suggestion), clear enough to answer as a best
    guess with the others offered beside it."""

    answer: Ranked | None
    suggestions: tuple[Ranked, ...]
    ranked: tuple[Ranked, ...]
    likely: Ranked | None = None

    @property
    def found(self) -> bool:
        return self.answer is not None or bool(self.suggestions)


def decide(
    ranked: Sequence[Ranked],
    answer_threshold: float = ANSWER_THRESHOLD,
    margin: float = MARGIN,
    suggest_threshold: float = SUGGEST_THRESHOLD,
    likely_margin: float = LIKELY_MARGIN,
) -> Decision:
    """Answer the best topic if the message is close to its wording (answer_threshold) and
    it ranks `margin` clear of the runner-up; else offer the close ones (the best as a
    likely answer when it ranks `likely_margin` clear); else nothing."""
    ranked = tuple(ranked)
    if not ranked:
        return Decision(None, (), ranked)
    best = ranked[0]
    runner_up = ranked[1].score if len(ranked) > 1 else 0.0
    if best.closeness < suggest_threshold:
        if best.closeness >= LONE_FLOOR and best.score - runner_up >= LONE_MARGIN:
            return Decision(None, (best,), ranked, best)
        return Decision(None, (), ranked)
    if best.closeness >= answer_threshold and best.score - runner_up >= margin:
        return Decision(best, (), ranked)
    close = tuple(r for r in ranked[:MAX_SUGGESTIONS] if r.closeness >= suggest_threshold)
    likely = best if best.score - runner_up >= likely_margin else None
    return Decision(None, close, ranked, likely)


def _one_vs_rest_ridge(
    documents: csr_matrix, labels: np.ndarray, classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """(coefficients, intercepts) of one ridge regression per topic onto +1 (its own
    questions) / -1 (the others'), solved in the dual: there are far fewer questions than
    features, so one small dense system replaces an iterative solver (0.1 s for 55 topics,
    sklearn's RidgeClassifier 0.7 s)."""
    targets = -np.ones((documents.shape[0], classes))
    targets[np.arange(len(labels)), labels] = 1.0
    intercept = targets.mean(axis=0)
    gram = (documents @ documents.T).toarray()
    gram[np.diag_indices_from(gram)] += RIDGE_ALPHA
    dual = scipy.linalg.solve(gram, targets - intercept, assume_a="pos")
    # Column-major: a query touches few features, so it reads few whole columns.
    return np.asfortranarray(np.asarray((documents.T @ dual).T)), intercept


class FaqIndex:
    """An immutable index over the topics' questions and titles."""

    def __init__(
        self,
        entries: Sequence[queries.FaqEntry],
        word_weight: float = WORD_WEIGHT,
        closest_weight: float = CLOSEST_WEIGHT,
        ridge_weight: float = RIDGE_WEIGHT,
    ):
        self.closest_weight = closest_weight
        self.ridge_weight = ridge_weight
        self._ridge: tuple[np.ndarray, np.ndarray] | None = None
        self.keys: list[str] = []
        self.titles: dict[str, str] = {}
        self.intents: dict[str, str] = {}
        self._fact_topic: dict[str, int] = {}
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
            if entry.fact:
                self._fact_topic.setdefault(entry.fact, len(self.keys) - 1)
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
                self._word.fit_transform([lexicon.with_groups(d) for d in documents]),
                self._char.fit_transform(documents),
            )
            self._docs = stacked  # documents x features
            ends = [*starts[1:], len(documents)]
            sums = np.vstack(
                [np.asarray(stacked[a:b].sum(axis=0)) for a, b in zip(starts, ends, strict=True)]
            )
            self._centroids = csr_matrix(normalize(sums))  # topics x features
            if len(self.keys) > 1 and ridge_weight > 0:
                labels = np.repeat(np.arange(len(self.keys)), np.diff([*starts, len(documents)]))
                self._ridge = _one_vs_rest_ridge(stacked, labels, len(self.keys))
            # What a query needs to be vectorised without sklearn's per-call overhead.
            offset = 0
            # Whole words see the message with its typos mended and the lexicon's group names;
            # character n-grams, the text as typed.
            self._speller = Speller(
                [w for d in documents for w in d.split()]
                + [w for words in lexicon.GROUPS.values() for p in words for w in p.split()]
            )
            grouped = (self._words_of, lambda clean: clean)
            for vectorizer, weight, prepare in zip(
                (self._word, self._char), self._weights, grouped, strict=True
            ):
                self._parts.append(
                    (prepare, vectorizer.build_analyzer(), vectorizer.vocabulary_,
                     vectorizer.idf_, offset, weight)
                )
                offset += len(vectorizer.vocabulary_)
            self._width = offset

    def __len__(self) -> int:
        return len(self.keys)

    def _words_of(self, clean: str) -> str:
        return lexicon.with_groups(self._speller.text(clean))

    def _stack(self, words, chars):
        return hstack([words * self._weights[0], chars * self._weights[1]]).tocsr()

    def _query(self, clean: str) -> np.ndarray:
        """The message as one dense row of the index's features (TF-IDF as in fitting:
        sublinear tf, idf, each part L2-normalised and weighted)."""
        vector = np.zeros(self._width)
        for prepare, analyzer, vocabulary, idf, offset, weight in self._parts:
            counts: dict[int, int] = {}
            for term in analyzer(prepare(clean)):
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
        similarity = self.closest_weight * closest + (1.0 - self.closest_weight) * centroid
        per_topic = similarity
        if self._ridge is not None:
            coef, intercept = self._ridge
            used = np.flatnonzero(query)
            learned = coef[:, used] @ query[used] + intercept
            per_topic = self.ridge_weight * learned + (1.0 - self.ridge_weight) * similarity
        fact = facts.fact_asked(text)
        if fact in self._fact_topic:
            per_topic[self._fact_topic[fact]] = FACT_SCORE
            similarity[self._fact_topic[fact]] = 1.0
        order = np.argsort(-per_topic, kind="stable")[:limit]
        keys = [self.keys[i] for i in order]
        return [
            Ranked(key, self.titles[key], float(per_topic[i]), float(similarity[i]))
            for key, i in zip(keys, order, strict=True)
        ]

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
