"""A scorer or classifier that remembers: each (text, context) is computed once, then recalled.

Two uses, one rule. LIME explains a draft by scoring a few hundred copies of it with words
removed; after a one-word edit, every copy that drops the edited word is the same string as
before (LIME draws the same masks: same seed, same word count), about half of them. And the
Compare page ranks every draft on every keystroke, while only the draft being typed changed:
recalling the other drafts' scores makes a rerun with ten drafts cost one draft's encoding.
Scores do not depend on the texts scored with them (the int8 path scales each token on its
own), so a recalled row equals a fresh one to float rounding.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

Compute = Callable[..., np.ndarray]  # (texts, context=...) -> (n, ...) one row per text


class Remembered:
    """``compute(texts, context=...)`` with a memory of the last ``capacity`` rows.

    One instance per model (its rows are that model's). Safe to share between threads (the
    page's sessions): one call at a time computes and reads the memory, so two sessions never
    encode the same draft twice nor compete for the two cores.
    """

    def __init__(self, compute: Compute, capacity: int = 50_000) -> None:
        self.compute = compute
        self.capacity = capacity

    def __call__(self, texts: list[str], context: str | None = None) -> np.ndarray:
        """(len(texts), ...) rows in input order; only texts not remembered reach ``compute``."""
        texts = list(texts)
        with self._lock:
            if not texts:
                return self.compute([], context=context)  # the right empty shape: (0,) or (0, k)
            rows = self._rows
            missing = [t for t in dict.fromkeys(texts) if (context, t) not in rows]
            if missing:
                for text, row in zip(missing, self.compute(missing, context=context)):
                    rows[(context, text)] = row
            for text in texts:
                rows.move_to_end((context, text))  # recently used: kept longest
            recalled = np.stack([rows[(context, t)] for t in texts])
            while len(rows) > self.capacity:
                rows.popitem(last=False)
            return recalled

    @property
    def _rows(self) -> OrderedDict:
        return self.__dict__.setdefault("rows_", OrderedDict())  # (context, text) -> row

    @property
    def _lock(self) -> threading.Lock:
        return self.__dict__.setdefault("lock_", threading.Lock())

    @property
    def remembered(self) -> int:
        return len(self.__dict__.get("rows_", ()))
