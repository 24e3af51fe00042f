"""The wild evaluation's numbers, from scores alone (no model): detection per tool against a set
of negatives, false alarms per negative group, and the ISM mask's coverage of the face.

Scores are fake probabilities in [0, 1], one per image; a detector name maps to an (N,) array.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dfrec.metrics import roc_auc

FALSE_ALARM_RATES = (0.01, 0.05)
SHIPPED_THRESHOLD = 0.5  # the service's reading of "forged": fake probability above this
OVERALL = "overall"

Row = dict[str, Any]


def rate_key(rate: float) -> str:
    """0.01 -> "fpr1": the suffix of the keys measured at that false-alarm rate."""
    return f"fpr{round(100 * rate)}"


def threshold_at(negatives: np.ndarray, rate: float) -> float:
    """The score a fake must exceed for at most a = floor(rate * n) of the n negatives to be
    false alarms: the (a + 1)-th highest negative score. Negatives tied with it are not false
    alarms (so fewer than a may be), and fakes tied with it are not caught. (n,) -> float."""
    allowed = math.floor(rate * len(negatives) + 1e-9)  # 0.29 * 100 is 28.999...
    return float(np.sort(negatives)[::-1][allowed])


def mean_or_none(values: np.ndarray) -> float | None:
    """The mean of (K,) numbers, or of (K,) flags (a share); None when K = 0."""
    return float(np.mean(values)) if len(values) else None


def detection_row(fakes: np.ndarray, negatives: np.ndarray) -> Row:
    """One detector on fakes (F,) vs negatives (M,): ROC AUC (ties count half), for each rate
    in FALSE_ALARM_RATES the threshold_at, the share of fakes above it and the share of
    negatives above it, and the share of fakes above SHIPPED_THRESHOLD. None where a side is
    empty."""
    row: Row = {"fakes": len(fakes), "negatives": len(negatives), "auc": None}
    if len(fakes) and len(negatives):
        labels = np.r_[np.ones(len(fakes), bool), np.zeros(len(negatives), bool)]
        row["auc"] = roc_auc(np.r_[fakes, negatives], labels)
    for rate in FALSE_ALARM_RATES:
        key = rate_key(rate)
        threshold = threshold_at(negatives, rate) if len(negatives) else None
        row[f"threshold_{key}"] = threshold
        row[f"caught_{key}"] = None if threshold is None else mean_or_none(fakes > threshold)
        row[f"false_alarms_{key}"] = (
            None if threshold is None else mean_or_none(negatives > threshold)
        )
    row["caught_at_shipped"] = mean_or_none(fakes > SHIPPED_THRESHOLD)
    return row


def tool_table(
    scores: dict[str, np.ndarray], is_fake: np.ndarray, tools: np.ndarray, is_negative: np.ndarray
) -> list[Row]:
    """Per tool (in order of first appearance among the fakes), then OVERALL, per detector:
    {tool, detector, **detection_row(the tool's fakes, the negatives)}.

    scores: detector -> (N,); is_fake, is_negative: (N,) bool, the fakes and the negatives
    this table compares them with; tools: (N,) str, the fakes' tools."""
    names = list(dict.fromkeys(tools[is_fake].tolist()))
    rows = []
    for tool in [*names, OVERALL]:
        chosen = is_fake if tool == OVERALL else is_fake & (tools == tool)
        for detector, values in scores.items():
            row = detection_row(values[chosen], values[is_negative])
            rows.append({"tool": tool, "detector": detector, **row})
    return rows


def false_alarm_table(
    scores: dict[str, np.ndarray], groups: np.ndarray, negative_groups: tuple[str, ...]
) -> list[Row]:
    """Per negative group, per detector: {group, detector, photos, false_alarms_at_shipped
    (the share above SHIPPED_THRESHOLD), mean_probability}. groups: (N,) str."""
    rows = []
    for group in negative_groups:
        chosen = groups == group
        for detector, values in scores.items():
            picked = values[chosen]
            rows.append(
                {
                    "group": group,
                    "detector": detector,
                    "photos": int(chosen.sum()),
                    "false_alarms_at_shipped": mean_or_none(picked > SHIPPED_THRESHOLD),
                    "mean_probability": mean_or_none(picked),
                }
            )
    return rows


def coverage_row(ism: np.ndarray, mask_area: np.ndarray, hull_iou: np.ndarray) -> Row:
    """The ISM mask on some images, all (K,): mean IoU with the face hull and mean mask area,
    over all of them and over those the ISM detects (probability above SHIPPED_THRESHOLD)."""
    detected = ism > SHIPPED_THRESHOLD
    return {
        "images": len(ism),
        "hull_iou": mean_or_none(hull_iou),
        "mask_area": mean_or_none(mask_area),
        "detected": int(detected.sum()),
        "hull_iou_detected": mean_or_none(hull_iou[detected]),
        "mask_area_detected": mean_or_none(mask_area[detected]),
    }


def coverage_table(
    tools: np.ndarray, ism: np.ndarray, mask_area: np.ndarray, hull_iou: np.ndarray
) -> list[Row]:
    """The fakes' coverage_row per tool (in order of first appearance), then OVERALL.
    All (F,): the fakes' tools, ISM probabilities, mask areas and hull IoUs."""
    rows = []
    for tool in [*dict.fromkeys(tools.tolist()), OVERALL]:
        chosen = np.ones(len(tools), bool) if tool == OVERALL else tools == tool
        rows.append(
            {"tool": tool, **coverage_row(ism[chosen], mask_area[chosen], hull_iou[chosen])}
        )
    return rows
