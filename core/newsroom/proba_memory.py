"""A classifier that remembers: each (text, context) is scored once, then recalled.

LIME explains a draft by scoring a few hundred copies of it with words removed. After a
one-word edit, every copy that drops the edited word is the same string as before (LIME
draws the same masks: same seed, same word count), about half of them; an unchanged draft
beside it repeats all of its own. Recalling those instead of encoding them again makes the
new highlight arrive sooner. Scores do not depend on the texts scored with them (the int8
path scales each token on its own), so a recalled row equals a fresh one to float rounding.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import numpy as np

Classify = Callable[..., np.ndarray]  # (texts, context=...) -> (n, k) probabilities


class RememberedProba:
    """``classify(texts, context=...)`` with a memory of the last ``capacity`` rows.

    One instance per model (its rows are that model's); called from one thread at a time.
    """

    def __init__(self, classify: Classify, capacity: int = 50_000) -> None:
        self.classify = classify
        self.capacity = capacity

    def __call__(self, texts: list[str], context: str | None = None) -> np.ndarray:
        """(len(texts), k) probabilities; only texts not remembered reach the classifier."""
        memory = self.__dict__.setdefault("rows_", OrderedDict())  # (context, text) -> (k,)
        missing = [t for t in dict.fromkeys(texts) if (context, t) not in memory]
        if missing:
            for text, row in zip(missing, self.classify(missing, context=context)):
                memory[(context, text)] = row
        rows = []
        for text in texts:
            memory.move_to_end((context, text))  # recently used: kept longest
            rows.append(memory[(context, text)])
        while len(memory) > self.capacity:
            memory.popitem(last=False)
        return np.stack(rows) if rows else np.empty((0, 2))

    @property
    def remembered(self) -> int:
        return len(self.__dict__.get("rows_", ()))
