"""The paired retrieval comparison against None: discordant counts and the exact McNemar test."""

import pytest

from dfrec.evaluation.paired import mcnemar_p, paired_retrieval
from dfrec.evaluation.report import paired_section


def _row(method: str, target_ranks, source_ranks=None, condition: str = "clean") -> dict:
    return {
        "synthesizer": "swap",
        "condition": condition,
        "method": method,
        "target_judge_ranks": target_ranks,
        "source_judge_ranks": source_ranks,
    }


def test_mcnemar_is_one_without_discordant_queries_and_symmetric():
    assert mcnemar_p(0, 0) == 1.0
    assert mcnemar_p(3, 7) == pytest.approx(mcnemar_p(7, 3))
    assert mcnemar_p(10, 0) == pytest.approx(2 * 0.5**10)  # ten of ten one way
    assert mcnemar_p(5, 5) == pytest.approx(1.0)


def test_paired_retrieval_counts_queries_one_method_gets_right_and_the_other_wrong():
    rows = [
        _row("None", [1, 2, 1, 3, 1]),
        _row("DFREC", [1, 1, 2, 1, 1]),  # right where None was wrong on queries 2 and 4
    ]
    (entry,) = paired_retrieval(rows)
    assert (entry["method"], entry["recovered"], entry["queries"]) == ("DFREC", "target", 5)
    assert (entry["method_only"], entry["baseline_only"]) == (2, 1)
    assert entry["method_rate"] == pytest.approx(0.8)
    assert entry["baseline_rate"] == pytest.approx(0.6)
    assert entry["p_value"] == pytest.approx(mcnemar_p(2, 1))


def test_rows_without_per_query_ranks_are_left_out():
    rows = [
        _row("None", [1, 2], [1, 1]),
        _row("DFREC", [1, 1], None),  # no judge on the source, e.g. switched off
        _row("DFREC", [2, 2], [1, 1], condition="jpeg q50"),  # robustness rows have no judge
        _row("LRE", None, None),  # a detector recovers nothing
    ]
    (entry,) = paired_retrieval(rows)
    assert (entry["method"], entry["recovered"]) == ("DFREC", "target")


def test_the_report_section_shows_each_comparison_or_nothing():
    assert paired_section([]) == []
    lines = paired_section(paired_retrieval([_row("None", [1, 2]), _row("DFREC", [1, 1])]))
    table_rows = [line for line in lines if line.startswith("| swap")]
    assert table_rows == ["| swap | target | DFREC | 100.0 % | 50.0 % | 1 | 0 | 1.000 |"]
