"""LIME explanations computed off the page's thread, newest request first, stale work dropped.

The Compare page must never wait for LIME: it scores the drafts (milliseconds) and asks this
queue for the drafts' explanations. One worker thread computes them one at a time: the newest
request first, then what other editors asked for. Each editor's request replaces that editor's
previous one, so a draft that has since changed is dropped from the queue, and the one being
computed is abandoned at its next scoring chunk unless another editor still wants it.
Finished explanations are kept (most recent ``capacity``) so an unchanged draft is never
explained twice.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

import numpy as np

Weights = dict[str, float]


class Abandoned(Exception):
    """Raised inside a computation whose key is no longer wanted."""


@dataclass(frozen=True)
class Progress:
    done: dict[Hashable, Weights]  # key -> word weights, for the keys asked about that are ready
    pending: list[Hashable]  # keys still queued or being computed, in order
    failed: dict[Hashable, str]  # key -> why it could not be explained

    @property
    def complete(self) -> bool:
        return not self.pending


class ExplanationQueue:
    """compute(key, check) -> weights, run on one background thread.

    ``check()`` raises :class:`Abandoned` when the key is no longer wanted; computations call
    it between chunks of work (see :func:`abandonable`).
    """

    def __init__(
        self,
        compute: Callable[[Hashable, Callable[[], None]], Weights],
        capacity: int = 2000,
        thread_setup: Callable[[], None] | None = None,
    ):
        self.compute = compute
        self.capacity = capacity
        self.thread_setup = thread_setup  # run first on the worker thread (e.g. its torch threads)
        self._lock = threading.Condition()
        # editor -> the keys still to explain for that editor's last request, the newest request last
        self._asked: OrderedDict[Hashable, list[Hashable]] = OrderedDict()
        self._results: OrderedDict[Hashable, Weights] = OrderedDict()
        self._failed: dict[Hashable, str] = {}
        self._running: Hashable | None = None
        self._thread = threading.Thread(target=self._work, name="lime-explanations", daemon=True)
        self._thread.start()

    def request(self, keys: Sequence[Hashable], editor: Hashable = None) -> Progress:
        """Want these keys explained, in this order, for ``editor`` (one browser session),
        replacing that editor's previous request; they go before other editors' keys."""
        with self._lock:
            self._asked.pop(editor, None)
            if asked := [k for k in dict.fromkeys(keys) if k not in self._results]:
                self._asked[editor] = asked
            while len(self._asked) > MAX_EDITORS:  # sessions closed without a word
                self._asked.popitem(last=False)
            self._lock.notify_all()
            return self._progress(keys)

    def wait(self, keys: Sequence[Hashable], timeout_s: float) -> Progress:
        """Progress on these keys once all are done or failed, or after ``timeout_s``.

        Call after :meth:`request`. Lets a page draw each explanation in the same run as soon
        as it is in.
        """
        deadline = time.monotonic() + timeout_s
        with self._lock:
            progress = self._progress(keys)
            while progress.pending and (left := deadline - time.monotonic()) > 0:
                self._lock.wait(left)
                progress = self._progress(keys)
            return progress

    def progress(self, keys: Sequence[Hashable]) -> Progress:
        with self._lock:
            return self._progress(keys)

    def _progress(self, keys: Sequence[Hashable]) -> Progress:
        done = {k: self._results[k] for k in keys if k in self._results}
        failed = {k: self._failed[k] for k in keys if k in self._failed and k not in done}
        pending = [k for k in dict.fromkeys(keys) if k not in done and k not in failed]
        return Progress(done, pending, failed)

    def _check(self, key: Hashable) -> Callable[[], None]:
        def check() -> None:
            with self._lock:
                if key not in self._wanted():
                    raise Abandoned(key)

        return check

    def _work(self) -> None:
        if self.thread_setup is not None:
            self.thread_setup()
        while True:
            with self._lock:
                while not (wanted := self._wanted()):
                    self._lock.wait()
                key = wanted[0]
                self._running = key
            try:
                weights, error = self.compute(key, self._check(key)), None
            except Abandoned:
                weights, error = None, None
            except Exception as exc:  # one bad draft must not stop the queue
                weights, error = None, f"{type(exc).__name__}: {exc}"
            with self._lock:
                self._running = None
                if weights is not None or error is not None:  # an abandoned key may be asked again
                    for editor, keys in list(self._asked.items()):
                        if key in keys:
                            keys.remove(key)
                        if not keys:
                            del self._asked[editor]
                if weights is not None:
                    self._results[key] = weights
                    self._results.move_to_end(key)
                    while len(self._results) > self.capacity:
                        self._results.popitem(last=False)
                elif error is not None:
                    self._failed[key] = error
                self._lock.notify_all()  # wakes wait()

    def _wanted(self) -> list[Hashable]:
        """Every editor's keys in one order, the newest request first (call holding the lock)."""
        return list(dict.fromkeys(k for keys in reversed(self._asked.values()) for k in keys))


# Editors' requests remembered. A session closed mid-request leaves its keys behind, to be
# explained once after everyone else's; a 65th editor pushes the oldest request out.
MAX_EDITORS = 64


def abandonable(
    classifier_fn: Callable[[list[str]], np.ndarray], check: Callable[[], None], chunk: int = 128
) -> Callable[[list[str]], np.ndarray]:
    """classifier_fn scored in chunks of ``chunk`` strings, with ``check()`` before each chunk,
    so an explanation nobody wants any more stops within one chunk (~30 ms)."""

    def predict(texts: list[str]) -> np.ndarray:
        parts = []
        for start in range(0, len(texts), chunk):
            check()
            parts.append(classifier_fn(texts[start : start + chunk]))
        return np.concatenate(parts) if parts else np.empty((0, 2))

    return predict
