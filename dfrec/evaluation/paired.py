"""Paired comparison of a method's identity retrieval with None's on the same queries.

Every method answers the same fixed queries, so "is DFREC's top-1 above None's?" is a paired
question: only the discordant queries (one method right, the other wrong) carry evidence. Under
"no difference" each discordant query falls either way with probability 1/2 (the exact McNemar
test, a two-sided binomial test), which is sharper than comparing two independent rates.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import binomtest

from dfrec.evaluation.methods import NoRecovery

BASELINE = NoRecovery.name  # the fake itself
RANK_KEYS = {"target": "target_judge_ranks", "source": "source_judge_ranks"}  # dlib, per query


def mcnemar_p(method_only: int, baseline_only: int) -> float:
    """Two-sided exact McNemar p-value from the two discordant counts (1 when there are none)."""
    discordant = method_only + baseline_only
    if discordant == 0:
        return 1.0
    return float(binomtest(method_only, discordant, 0.5).pvalue)


def paired_retrieval(rows: list[dict[str, Any]], k: int = 1) -> list[dict[str, Any]]:
    """Top-k hits of every method against None's, query by query, on the clean rows that carry
    per-query judge ranks. -> one entry per (synthesizer, recovered face, method): queries,
    both top-k rates, method_only / baseline_only (discordant counts) and the McNemar p-value."""
    clean = [row for row in rows if row["condition"] == "clean"]
    baselines = {row["synthesizer"]: row for row in clean if row["method"] == BASELINE}
    entries = []
    for row in clean:
        baseline = baselines.get(row["synthesizer"])
        if row["method"] == BASELINE or baseline is None:
            continue
        for recovered, key in RANK_KEYS.items():
            if row.get(key) is None or baseline.get(key) is None:
                continue
            hits = np.asarray(row[key]) <= k
            baseline_hits = np.asarray(baseline[key]) <= k
            method_only = int((hits & ~baseline_hits).sum())
            baseline_only = int((baseline_hits & ~hits).sum())
            entries.append(
                {
                    "synthesizer": row["synthesizer"],
                    "recovered": recovered,
                    "method": row["method"],
                    "queries": int(hits.size),
                    "k": k,
                    "method_rate": float(hits.mean()),
                    "baseline_rate": float(baseline_hits.mean()),
                    "method_only": method_only,
                    "baseline_only": baseline_only,
                    "p_value": mcnemar_p(method_only, baseline_only),
                }
            )
    return entries
