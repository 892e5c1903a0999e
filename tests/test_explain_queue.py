import threading
import time

import numpy as np
import pytest

from core.newsroom.explain_queue import Abandoned, ExplanationQueue, abandonable


def wait_until(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_keys_are_explained_in_the_order_asked_and_reported_as_they_finish():
    order = []

    def compute(key, check):
        order.append(key)
        return {key: 1.0}

    queue = ExplanationQueue(compute)
    first = queue.request(["b", "a", "b"])
    assert first.pending == ["b", "a"] and not first.complete
    wait_until(lambda: queue.progress(["b", "a"]).complete)
    assert order == ["b", "a"]
    assert queue.progress(["a"]).done == {"a": {"a": 1.0}}
    assert queue.request(["a", "b"]).complete  # explained once: asking again computes nothing
    assert order == ["b", "a"]


def test_a_draft_changed_while_it_is_explained_is_abandoned_at_its_next_check():
    started, release = threading.Event(), threading.Event()
    finished = []

    def compute(key, check):
        if key == "old":
            started.set()
            release.wait(10)
            check()  # raises: "old" is no longer wanted
        finished.append(key)
        return {}

    queue = ExplanationQueue(compute)
    queue.request(["old"])
    assert started.wait(10)
    queue.request(["new"])  # the editor typed on
    release.set()
    wait_until(lambda: queue.progress(["new"]).complete)
    assert finished == ["new"]
    assert queue.progress(["old"]).pending == ["old"]  # neither done nor failed


@pytest.mark.parametrize("next_request, survives", [("bob", True), ("ann", False)])
def test_another_editors_request_keeps_a_draft_being_explained_the_same_editors_drops_it(
    next_request, survives
):
    started, release = threading.Event(), threading.Event()
    finished = []

    def compute(key, check):
        if key == "ann-old":
            started.set()
            release.wait(10)
            check()  # raises only if nobody wants "ann-old" any more
        finished.append(key)
        return {}

    queue = ExplanationQueue(compute)
    queue.request(["ann-old"], editor="ann")
    assert started.wait(10)
    queue.request([f"{next_request}-new"], editor=next_request)
    release.set()
    wait_until(lambda: queue.progress([f"{next_request}-new"]).complete)
    assert finished == (["ann-old", "bob-new"] if survives else ["ann-new"])
    assert queue.progress(["ann-old"]).complete is survives


def test_the_newest_request_goes_first_then_other_editors_keys():
    release = threading.Event()
    order = []

    def compute(key, check):
        release.wait(10)
        order.append(key)
        return {}

    queue = ExplanationQueue(compute)
    queue.request(["first"], editor="ann")  # being computed while the others ask
    queue.request(["ann-1", "ann-2"], editor="ann")
    queue.request(["bob-1"], editor="bob")
    release.set()
    wait_until(lambda: queue.progress(["ann-1", "ann-2", "bob-1"]).complete)
    assert order[-3:] == ["bob-1", "ann-1", "ann-2"]


def test_a_draft_two_editors_typed_is_explained_once_and_kept_while_either_wants_it():
    started, release = threading.Event(), threading.Event()
    computed = []

    def compute(key, check):
        started.set()
        release.wait(10)
        check()  # Ann moved on, but Bob still wants it: no Abandoned
        computed.append(key)
        return {"w": 1.0}

    queue = ExplanationQueue(compute)
    queue.request(["shared"], editor="ann")
    queue.request(["shared"], editor="bob")
    assert started.wait(10)
    queue.request([], editor="ann")
    release.set()
    assert queue.wait(["shared"], 10).done == {"shared": {"w": 1.0}}
    assert computed == ["shared"]


def test_one_failing_draft_is_reported_and_the_others_are_still_explained():
    def compute(key, check):
        if key == "bad":
            raise ValueError("no words")
        return {"ok": 1.0}

    queue = ExplanationQueue(compute)
    queue.request(["bad", "good"])
    wait_until(lambda: queue.progress(["bad", "good"]).complete)
    progress = queue.progress(["bad", "good"])
    assert progress.failed == {"bad": "ValueError: no words"} and list(progress.done) == ["good"]


def test_only_the_most_recent_explanations_are_kept():
    queue = ExplanationQueue(lambda key, check: {}, capacity=2)
    for key in ("a", "b", "c"):
        queue.request([key])
        wait_until(lambda key=key: queue.progress([key]).complete)
    assert list(queue.progress(["a", "b", "c"]).done) == ["b", "c"]


def test_thread_setup_runs_on_the_worker_thread_before_any_work():
    threads = {}

    def setup() -> None:
        threads["setup"] = threading.current_thread()

    def compute(key, check):
        threads["compute"] = threading.current_thread()
        return {}

    queue = ExplanationQueue(compute, thread_setup=setup)
    queue.request(["x"])
    wait_until(lambda: queue.progress(["x"]).complete)
    assert threads["setup"] is threads["compute"] is not threading.current_thread()


def test_abandonable_scores_in_chunks_and_checks_before_each():
    calls, checks = [], []

    def classify(texts):
        calls.append(len(texts))
        return np.column_stack([np.zeros(len(texts)), np.ones(len(texts))])

    predict = abandonable(classify, lambda: checks.append(1), chunk=4)
    assert predict([f"t{i}" for i in range(10)]).shape == (10, 2)
    assert calls == [4, 4, 2] and len(checks) == 3

    def unwanted():
        raise Abandoned("x")

    with pytest.raises(Abandoned):
        abandonable(classify, unwanted, chunk=4)(["a"])


def test_wait_returns_as_soon_as_the_keys_are_explained():
    release = threading.Event()

    def compute(key, check):
        release.wait(10)
        return {key: 1.0}

    queue = ExplanationQueue(compute)
    queue.request(["a"])
    threading.Timer(0.05, release.set).start()
    start = time.monotonic()
    progress = queue.wait(["a"], timeout_s=10)
    assert progress.complete and progress.done == {"a": {"a": 1.0}}
    assert time.monotonic() - start < 5  # woken by the result, not by the timeout


def test_wait_gives_up_after_its_timeout_with_the_key_still_pending():
    release = threading.Event()

    def compute(key, check):
        release.wait(10)
        return {}

    queue = ExplanationQueue(compute)
    queue.request(["slow"])
    start = time.monotonic()
    progress = queue.wait(["slow"], timeout_s=0.1)
    assert progress.pending == ["slow"]
    assert 0.1 <= time.monotonic() - start < 5
    release.set()
    wait_until(lambda: queue.progress(["slow"]).complete)


def test_wait_reports_a_failure_as_finished():
    def compute(key, check):
        raise ValueError("no words")

    queue = ExplanationQueue(compute)
    queue.request(["bad"])
    progress = queue.wait(["bad"], timeout_s=10)
    assert progress.complete and "no words" in progress.failed["bad"]
