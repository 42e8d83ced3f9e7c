"""Typos in a question ("diffrence", "acupunture", "foundaton") mended to a word the FAQ index
knows, so the whole-word features count them too (the character n-grams already half-match
them).

A word the index does not know, of at least MIN_LENGTH letters, becomes the known word one
deletion away on either side (covering one letter dropped, added, changed or two swapped),
the most frequent if several are: the symmetric-delete method of SymSpell, which looks
words up in a dictionary of deletions instead of comparing with every known word, so it
costs microseconds per message.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

# Shorter words have too many neighbours one letter away ("wax" / "was" / "way").
MIN_LENGTH = 5


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class Speller:
    """Mends unknown words to known ones (the index's vocabulary, with each word's count)."""

    def __init__(self, words: Iterable[str]) -> None:
        self.counts = Counter(w for w in words if w.isalpha())
        self._by_deletion: dict[str, list[str]] = {}
        for word in self.counts:
            if len(word) >= MIN_LENGTH - 1:
                for key in {word, *_deletions(word)}:
                    self._by_deletion.setdefault(key, []).append(word)

    def word(self, word: str) -> str:
        if word in self.counts or len(word) < MIN_LENGTH or not word.isalpha():
            return word
        candidates = {
            known
            for key in {word, *_deletions(word)}
            for known in self._by_deletion.get(key, ())
            if abs(len(known) - len(word)) <= 1
        }
        if not candidates:
            return word
        return max(candidates, key=lambda known: (self.counts[known], known))

    def text(self, clean: str) -> str:
        """A normalised text (single spaces, lower case) with its unknown words mended."""
        return " ".join(self.word(word) for word in clean.split())
