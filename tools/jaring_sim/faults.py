"""Deterministic misbehaviour of the simulated agencies: 429s, 503 spells, 500s, slowness.

Faults are driven by a per-server counter of data requests (token issuance is
never faulted), so a scenario replays the same way every time: request n gets
a 503 when a spell covers it, else a 429 when n is a multiple of
`rate_limit_every`, else a 500 when n is a multiple of `error_every`; a slow
request is answered normally after `slow_seconds`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Fault:
    """What the server answers instead of the real response."""

    status: int
    error: str
    headers: dict[str, str]


@dataclass(frozen=True)
class FaultPlan:
    rate_limit_every: int = 0
    unavailable_every: int = 0
    unavailable_run: int = 2
    error_every: int = 0
    slow_every: int = 0
    slow_seconds: float = 0.5
    token_ttl_seconds: int = 300
    cursor_ttl_seconds: int = 600
    always_fail: bool = False
    retry_after: int = 1  # seconds, the 429's Retry-After header

    @classmethod
    def none(cls) -> FaultPlan:
        return cls()

    @classmethod
    def parse(cls, spec: str | None) -> FaultPlan:
        """A CLI preset: `none`, `default-faults`, `down`, or a comma list of kinds and `field=value`.

        Kinds: `429`, `503`, `500`, `slow`, `token` (tokens expire after 5 s),
        `cursor` (cursors expire after 5 s), `down` (every data request 500).
        Example: `429,503,500,slow,token` or `429,rate_limit_every=3`.
        """
        plan = cls()
        for item in (spec or "").replace(" ", "").split(","):
            if not item or item == "none":
                continue
            if "=" in item:
                plan = _with_field(plan, *item.split("=", 1))
            elif item in _PRESETS:
                plan = replace(plan, **_PRESETS[item])
            else:
                known = ", ".join(sorted(_PRESETS) + ["none", "field=value"])
                raise ValueError(f"unknown fault kind {item!r} (known: {known})")
        return plan

    def describe(self) -> str:
        changed = [f"{f.name}={getattr(self, f.name)}" for f in fields(self)
                   if getattr(self, f.name) != f.default]
        return ", ".join(changed) or "no faults"


_PRESETS: dict[str, dict] = {
    "429": {"rate_limit_every": 7},
    "503": {"unavailable_every": 23, "unavailable_run": 2},
    "500": {"error_every": 31},
    "slow": {"slow_every": 17, "slow_seconds": 0.3},
    "token": {"token_ttl_seconds": 5},
    "cursor": {"cursor_ttl_seconds": 5},
    "down": {"always_fail": True},
    # a moderate mix that a client with retries, backoff and token refresh survives
    "default-faults": {
        "rate_limit_every": 9, "unavailable_every": 29, "unavailable_run": 2,
        "error_every": 41, "slow_every": 53, "slow_seconds": 0.2, "token_ttl_seconds": 60,
    },
}
_PRESETS["default"] = _PRESETS["default-faults"]


def _with_field(plan: FaultPlan, name: str, value: str) -> FaultPlan:
    kinds = {f.name: f.type for f in fields(plan)}
    if name not in kinds:
        raise ValueError(f"unknown fault setting {name!r}")
    kind = kinds[name]
    if kind == "bool":
        parsed: object = value.lower() in ("1", "true", "yes", "on")
    elif kind == "float":
        parsed = float(value)
    else:
        parsed = int(value)
    return replace(plan, **{name: parsed})


class FaultInjector:
    """Counts a server's data requests and decides which one misbehaves (thread-safe)."""

    def __init__(self, plan: FaultPlan):
        self.plan = plan
        self._lock = threading.Lock()
        self._count = 0
        self.injected: dict[int, int] = {}  # status -> how many times

    @property
    def count(self) -> int:
        return self._count

    def next_request(self) -> Fault | None:
        """Called once per data request; sleeps for slow requests, returns a fault or None."""
        with self._lock:
            self._count += 1
            n = self._count
        fault = self.decide(n)
        if fault is None and self.plan.slow_every and n % self.plan.slow_every == 0:
            time.sleep(self.plan.slow_seconds)
        if fault is not None:
            with self._lock:
                self.injected[fault.status] = self.injected.get(fault.status, 0) + 1
        return fault

    def decide(self, n: int) -> Fault | None:
        plan = self.plan
        if plan.always_fail:
            return Fault(500, "internal_error", {})
        every, run = plan.unavailable_every, max(1, min(plan.unavailable_run, plan.unavailable_every - 1))
        if every and n >= every and n % every < run:
            return Fault(503, "service_unavailable", {})
        if plan.rate_limit_every and n % plan.rate_limit_every == 0:
            return Fault(429, "too_many_requests", {"Retry-After": str(plan.retry_after)})
        if plan.error_every and n % plan.error_every == 0:
            return Fault(500, "internal_error", {})
        return None
