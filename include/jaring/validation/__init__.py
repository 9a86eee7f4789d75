"""Validate a source's records with its Great Expectations suite (`suites.py`).

`validate(source, df, columns)` runs the suite on a pandas dataframe and sorts the
verdicts by disposition. GX is imported here, lazily: a DAG file that
imports this package does not pay the seconds of GX's import.
"""

from __future__ import annotations

import itertools
import logging
import os
from dataclasses import dataclass, field

from jaring.errors import Permanent
from jaring.validation.suites import BLOCKING, FLAG, QUARANTINE, WARNING, Rule, suite

log = logging.getLogger(__name__)
# GX logs every decorated function it registers at INFO; the night's log should show our verdicts.
logging.getLogger("great_expectations").setLevel(logging.WARNING)

# result keys that would carry record values (NIKs, names) into a report or Data Docs
_PERSONAL_RESULT_KEYS = ("unexpected_list", "partial_unexpected_list", "partial_unexpected_index_list",
                         "partial_unexpected_counts", "unexpected_index_list", "unexpected_index_query",
                         "unexpected_rows", "details")
_run_numbers = itertools.count(1)


class SourceRejected(RuntimeError, Permanent):
    """A blocking expectation failed: the source is not used tonight."""

    def __init__(self, source: str, expectations: list[str]):
        super().__init__(f"source {source!r} rejected tonight: blocking expectation(s) failed: "
                         f"{', '.join(expectations)}")
        self.source = source
        self.expectations = expectations


@dataclass
class ValidationResult:
    source: str
    blocking: list[str]  # names of failed blocking rules
    row_failures: dict[int, list[str]]  # dataframe index -> QUARANTINE rules failed
    warnings: list[str]  # "rule: N rows"
    report: dict  # the GX validation result as JSON, without record values
    row_flags: dict[int, list[str]] = field(default_factory=dict)  # index -> FLAG rules failed
    rules: dict[str, Rule] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)  # rule -> failing rows

    @property
    def success(self) -> bool:
        return not self.blocking

    def raise_if_blocking(self) -> None:
        if self.blocking:
            raise SourceRejected(self.source, self.blocking)

    def summary(self) -> dict:
        """Counts only: safe for logs and XCom."""
        return {"suite": self.source, "blocking": self.blocking, "quarantined_rows": len(self.row_failures),
                "flagged_rows": len(self.row_flags), "failing_rows_by_rule": self.counts}


def _gx():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    return gx


def validate(source: str, df, columns, previous_count: int | None = None,
             floor: int | None = None) -> ValidationResult:
    """Run `source`'s suite on `df`: `columns` are the contract's fields (the adapter knows them),
    `previous_count` (last night's staged rows) adds the relative volume rule, `floor` (the policy's
    `volume_floor` of this suite) the absolute one."""
    gx = _gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints every dataframe under this size (an md5 over every row, half a second for a city's
    # payments) into the batch's markers; nothing of ours reads them, and GX has no option for it
    pandas_execution_engine.HASH_THRESHOLD = 0

    the_suite = suite(source, columns, previous_count, floor)
    frame = df.assign(**the_suite.derive(df)) if the_suite.derive else df
    frame = _as_categories(frame, columns)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    run = next(_run_numbers)
    asset = context.data_sources.add_pandas(f"{source}_{run}").add_dataframe_asset(source)
    batch = asset.add_batch_definition_whole_dataframe("night")
    gx_suite = gx.ExpectationSuite(name=source)
    for rule in the_suite.rules:
        gx_suite.add_expectation(rule.build(gx))
    gx_suite = context.suites.add(gx_suite)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{source}_{run}", data=batch, suite=gx_suite))
    gx_result = definition.run(
        batch_parameters={"dataframe": frame},
        result_format={"result_format": "COMPLETE", "partial_unexpected_count": 0},
    )
    return _sort_verdicts(source, the_suite.rules, gx_result)


_SAMPLE = 20_000


def _as_categories(frame, columns):
    """The frame GX reads, with the contract's repetitive text columns as pandas categories.

    GX's pandas engine copies the frame for each metric and tests every row; on categories it copies
    integer codes and tests a set rule once per distinct value (the city registry's suite ran in
    ~half the time, with the same verdicts). Only columns holding nothing but text: categories compare
    values with ==, and a JSON `true` must not become the 1 of another row. Columns of mostly distinct
    values (a NIK, a name) gain nothing and stay as they are; so do derived columns (a pair rule
    compares two of them, which categories of different values cannot)."""
    import pandas as pd
    from pandas.api.types import infer_dtype

    categories = {}
    for column in columns:
        if column in frame.columns and infer_dtype(frame[column], skipna=True) == "string":
            head = frame[column].to_numpy()[:_SAMPLE]
            if len(head) == _SAMPLE and len(pd.unique(head)) > _SAMPLE * 9 // 10:
                continue  # nearly all distinct in its first rows (an ID, a NIK, a name): not worth factorizing
            codes, distinct = pd.factorize(frame[column])  # unsorted: sorting 630k texts costs seconds
            if len(distinct) <= len(frame) // 4:
                categories[column] = pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(distinct))
    return frame.assign(**categories) if categories else frame


def _sort_verdicts(source: str, rules, gx_result) -> ValidationResult:
    by_name = {rule.name: rule for rule in rules}
    blocking, warnings, counts = [], [], {}
    failures: dict[int, list[str]] = {}
    flags: dict[int, list[str]] = {}
    for outcome in gx_result.results:
        rule = by_name[outcome.expectation_config.meta["rule"]]
        raised = bool(outcome.exception_info and any(
            (info or {}).get("raised_exception") for info in _exception_infos(outcome.exception_info)))
        result = outcome.result or {}
        indices = list(result.get("unexpected_index_list") or [])
        counts[rule.name] = int(result.get("unexpected_count") or len(indices))
        if outcome.success:
            pass
        elif raised or rule.disposition == BLOCKING:
            # a rule that could not even be evaluated says the data is not what the suite expects
            blocking.append(rule.name if not raised else f"{rule.name} (could not be evaluated)")
        elif rule.disposition == WARNING:
            warnings.append(f"{rule.name}: {counts[rule.name]} rows")
        else:
            target = failures if rule.disposition == QUARANTINE else flags
            for index in indices:
                target.setdefault(index, []).append(rule.name)
        for key in _PERSONAL_RESULT_KEYS:
            if not (key == "details" and rule.disposition == BLOCKING):  # e.g. the missing columns
                result.pop(key, None)
    if warnings:
        log.info("%s: warnings %s", source, warnings)
    return ValidationResult(
        source=source, blocking=sorted(blocking), row_failures=failures, warnings=sorted(warnings),
        report=gx_result.to_json_dict(), row_flags=flags, rules=by_name, counts=counts,
    )


def _exception_infos(info: dict):
    if "raised_exception" in info:
        return [info]
    return [v for v in info.values() if isinstance(v, dict)]


__all__ = ["BLOCKING", "FLAG", "QUARANTINE", "WARNING", "SourceRejected", "ValidationResult", "validate"]
