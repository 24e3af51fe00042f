"""LRE in the evaluation: its rows beside the ISM's (AUC on clean and degraded inputs, heat-map
IoU), the heat-map figure, the cross-synthesizer table, and the top-k % IoU on known maps."""

import json

import pytest
import torch

from dfrec.evaluation.aggregate import TOP_SHARE, detection_metrics, top_share_iou
from dfrec.evaluation.degradations import Condition
from dfrec.evaluation.report import TOP

IMAGE_SIZE = 128  # the aligned cache training builds; small DFREC and lre-small work on it


def test_top_share_iou_on_known_maps() -> None:
    truth = torch.zeros(2, 1, 4, 4)
    truth[:, :, :2, :2] = 1.0  # 4 of 16 pixels: exactly TOP_SHARE = 25 %
    assert TOP_SHARE == 0.25
    perfect = truth.clone() + 0.01 * torch.rand_like(truth)
    inverted = 1.0 - truth + 0.01 * torch.rand_like(truth)
    assert top_share_iou(perfect, truth, TOP_SHARE).tolist() == [1.0, 1.0]
    assert top_share_iou(inverted, truth, TOP_SHARE).tolist() == [0.0, 0.0]


def test_detection_metrics_without_recovered_faces() -> None:
    """A detector that recovers nothing (LRE) still gets its AUC; Acc_id does not apply."""
    images = torch.rand(3, 3, 8, 8)
    metrics = detection_metrics(
        images, None, images, None, None, torch.tensor([0.9, 0.8, 0.7]), torch.zeros(3)
    )
    assert metrics["auc"] == 1.0 and metrics["acc_id"] is None


@pytest.fixture(scope="module")
def cache_128(celeba_root):
    from dfrec.data.prepare import DEFAULT_CACHE_DIR, cache_path

    if not cache_path(celeba_root, IMAGE_SIZE, DEFAULT_CACHE_DIR).is_file():
        pytest.skip("no 128 px face cache: python -m dfrec.data.prepare --size 128")
    return celeba_root


@pytest.fixture(scope="module")
def lre_checkpoints(tmp_path_factory):
    from dfrec.lre.checkpoint import save_lre
    from dfrec.lre.config import create_lre_config
    from dfrec.lre.model import LRE

    folder = tmp_path_factory.mktemp("lre")
    paths = {}
    for seed, kind in enumerate(("swap", "blend")):
        torch.manual_seed(seed)
        paths[kind] = save_lre(LRE(create_lre_config("lre-small")), folder / f"{kind}.pt")
    return paths


@pytest.mark.slow
def test_lre_rows_beside_the_ism(cache_128, lre_checkpoints, tmp_path) -> None:
    from dfrec.checkpoint import init_checkpoint
    from dfrec.evaluation import EvalOptions, run_evaluation

    options = EvalOptions(
        checkpoint=init_checkpoint("small", tmp_path / "small.pt"),
        data_root=cache_128,
        out_dir=tmp_path / "out",
        samples=2,
        lre_checkpoint=lre_checkpoints["swap"],
        judge=False,
        fid=False,
        robustness=(Condition("jpeg", 50),),
        grid_rows=2,
        progress=False,
    )
    rows = run_evaluation(options)["rows"]
    lre_rows = [row for row in rows if row["method"] == "LRE"]
    assert [(r["synthesizer"], r["condition"]) for r in lre_rows] == [
        ("swap", "clean"),
        ("blend", "clean"),
        ("swap", "JPEG q50"),
        ("blend", "JPEG q50"),
    ]
    for row in lre_rows:
        assert 0.0 <= row["auc"] <= 1.0 and 0.0 <= row[f"heatmap_iou_{TOP}"] <= 1.0
        assert row["acc_id"] is None and "target_idsim" not in row
    for row in (r for r in rows if r["method"] == "DFREC"):
        assert 0.0 <= row[f"mask_iou_{TOP}"] <= 1.0
    markdown = (options.out_dir / "results.md").read_text()
    assert "| swap | LRE |" in markdown and "| JPEG q50 | LRE |" in markdown
    assert "heat map IoU top-25 %" in markdown
    assert (options.out_dir / "lre_heatmaps.png").is_file()


@pytest.mark.slow
def test_detection_only_rows(cache_128, lre_checkpoints, tmp_path) -> None:
    """--detection-only: the ISM alone and LRE, no None row, no recovered faces."""
    from dfrec.checkpoint import init_checkpoint
    from dfrec.evaluation import EvalOptions, run_evaluation

    options = EvalOptions(
        checkpoint=init_checkpoint("small", tmp_path / "small.pt"),
        data_root=cache_128,
        out_dir=tmp_path / "out",
        samples=2,
        lre_checkpoint=lre_checkpoints["blend"],
        recovery=False,
        robustness=(),
        grid_rows=2,
        progress=False,
    )
    rows = run_evaluation(options)["rows"]
    assert [(r["synthesizer"], r["method"]) for r in rows] == [
        ("swap", "DFREC"),
        ("blend", "DFREC"),
        ("swap", "LRE"),
        ("blend", "LRE"),
    ]
    for row in rows:
        assert 0.0 <= row["auc"] <= 1.0 and "target_idsim" not in row
    assert "DETECTORS ONLY" in (options.out_dir / "results.md").read_text()
    assert (options.out_dir / "lre_heatmaps.png").is_file()


@pytest.mark.slow
def test_cross_synthesizer_lre(cache_128, lre_checkpoints, tmp_path) -> None:
    from dfrec.evaluation.cross import CrossOptions, run_cross_forgery

    cross = CrossOptions(
        checkpoints={},
        lre_checkpoints=lre_checkpoints,
        data_root=cache_128,
        out_dir=tmp_path / "cross",
        samples=2,
        command="dfrec cross-forgery --lre-swap --lre-blend (test)",
        progress=False,
    )
    rows = run_cross_forgery(cross)["rows"]
    methods = ("LRE trained on swap", "LRE trained on blend")  # no recovery: no None row
    assert [(r["synthesizer"], r["method"]) for r in rows] == [
        (synthesizer, method) for method in methods for synthesizer in ("swap", "blend")
    ]
    for row in rows:
        assert 0.0 <= row["auc"] <= 1.0 and 0.0 <= row[f"heatmap_iou_{TOP}"] <= 1.0
    payload = json.loads((cross.out_dir / "cross.json").read_text())
    assert set(payload["lre_models"]) == {"swap", "blend"}
    assert "| LRE trained on blend |" in (cross.out_dir / "cross.md").read_text()
