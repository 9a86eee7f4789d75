"""The garbage collector during a step: rarer collections, what existed at the start frozen, all undone after."""

from __future__ import annotations

import gc

from jaring import collector


def test_a_step_collects_rarely_and_leaves_the_collector_as_it_found_it():
    before = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    with collector.rarely():
        assert gc.get_threshold() == collector.STEP_THRESHOLDS
        frozen = gc.get_freeze_count()
        assert frozen > 0  # the imported modules, at least
        loaded = [[n] for n in range(1000)]  # a night's rows, say
        collector.keep()
        assert gc.get_freeze_count() >= frozen + len(loaded)
        with collector.rarely():  # a nested use keeps the outer's frozen objects frozen
            pass
        assert gc.get_freeze_count() >= frozen + len(loaded)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_keep_outside_a_step_freezes_nothing():
    collector.keep()
    assert gc.get_freeze_count() == 0


def test_keeping_after_collecting_keeps_no_garbage():
    """What a quarter of publishing left (a workbook's objects refer to each other) is collected, not kept."""
    import weakref

    class Node:
        pass

    with collector.rarely():
        left = Node()
        left.itself = left  # a cycle: only the collector frees it
        gone = weakref.ref(left)
        del left
        collector.keep(collect=True)
        assert gone() is None
        kept = Node()
        kept.itself = kept
        still = weakref.ref(kept)
        del kept
        collector.keep()  # without collecting: frozen with the rest until the step ends
        gc.collect()
        assert still() is not None
    gc.collect()
    assert still() is None
