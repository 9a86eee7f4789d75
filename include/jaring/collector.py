"""Python's cyclic garbage collector, tuned for a step that holds a night's rows.

A step keeps hundreds of thousands of live objects (rows, the cells of a workbook), and with the
default thresholds (700, 10, 10) the collector walks all of them again and again, though they hold no
cycles worth finding: publishing the city night spent about 40 % of its time there (measured). A step
therefore runs with collections a hundred times rarer, and with what exists at its start (imported
modules) frozen out of them; `keep` does the same for the rows a step has just loaded.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

STEP_THRESHOLDS = (70_000, 20, 10)
_inside = False


@contextmanager
def rarely() -> Iterator[None]:
    """Collections a hundred times rarer inside, what exists now frozen; both undone on leaving."""
    global _inside
    before, was_inside = gc.get_threshold(), _inside
    gc.freeze()
    gc.set_threshold(*STEP_THRESHOLDS)
    _inside = True
    try:
        yield
    finally:
        _inside = was_inside
        gc.set_threshold(*before)
        if not was_inside:
            gc.unfreeze()


def keep(collect: bool = False) -> None:
    """What exists now lives to the step's end (a night just loaded): never walked by the collector again
    in this step. Forked children inherit it, and their copies of those pages stay shared. Only inside
    `rarely` (which unfreezes on leaving); elsewhere a no-op. `collect`: what is already garbage (cycles
    left by work done before, such as a workbook written) is collected first, not kept."""
    if _inside:
        if collect:
            gc.collect()
        gc.freeze()
