"""The evaluation: degradations, the markdown writer, and an end-to-end run on a tiny checkpoint."""

import json
import math

import numpy as np
import pytest
import torch

from dfrec.evaluation.degradations import CLEAN, ROBUSTNESS, Condition, gaussian_noise
from dfrec.evaluation.report import MAIN_COLUMNS, markdown_table

SAMPLES = 4  # below MIN_FID_SAMPLES: FID must be skipped and say so
CONDITIONS = (Condition("blur", 5), Condition("jpeg", 50), Condition("noise", 30))


def _images(count: int = 3, size: int = 32) -> torch.Tensor:
    generator = torch.Generator().manual_seed(7)
    smooth = torch.rand(count, 3, size // 8, size // 8, generator=generator)
    return torch.nn.functional.interpolate(smooth, size=(size, size), mode="bilinear")


@pytest.mark.parametrize("condition", ROBUSTNESS, ids=lambda c: c.name)
def test_degradations_are_deterministic_and_change_the_image(condition):
    images = _images()
    first, second = condition.apply(images), condition.apply(images.clone())
    assert first.shape == images.shape and first.dtype == torch.float32
    assert torch.equal(first, second)
    assert first.min() >= 0.0 and first.max() <= 1.0
    assert (first - images).abs().mean() > 1e-4


def test_noise_does_not_depend_on_batching():
    images = _images(4)
    whole = gaussian_noise(images, 30)
    one_by_one = torch.cat([gaussian_noise(image[None], 30) for image in images])
    assert torch.equal(whole, one_by_one)
    assert not torch.equal(gaussian_noise(images, 10), gaussian_noise(images, 50))


def test_clean_is_identity_and_names():
    images = _images()
    assert CLEAN.apply(images) is images
    assert [c.name for c in CONDITIONS] == ["blur k5", "JPEG q50", "noise var 30"]
    with pytest.raises(ValueError):
        Condition("blur", 4).apply(images)


def test_markdown_table_formats_missing_values():
    rows = [{"method": "None", "target_idsim": 0.4242, "auc": None, "acc_id": 0.5}]
    table = markdown_table(rows, ["method"], MAIN_COLUMNS).splitlines()
    assert table[0].startswith("| method | top-1 tgt (dlib) |")
    assert "| None | — |" in table[2] and "| 0.424 |" in table[2] and "50.0 %" in table[2]


@pytest.fixture(scope="module")
def cache_64(celeba_root):
    from dfrec.data.prepare import DEFAULT_CACHE_DIR, cache_path

    if not cache_path(celeba_root, 64, DEFAULT_CACHE_DIR).is_file():
        pytest.skip("no 64 px face cache: run test_build_cache_64 (slow) or dfrec.data.prepare")
    return celeba_root


@pytest.mark.slow
def test_build_cache_64(celeba_root):
    from dfrec.data.prepare import prepare_cache

    assert prepare_cache(celeba_root, 64).is_file()


@pytest.fixture(scope="module")
def evaluation(cache_64, tmp_path_factory):
    from dfrec.checkpoint import init_checkpoint
    from dfrec.evaluation import EvalOptions, run_evaluation

    folder = tmp_path_factory.mktemp("evaluation")
    checkpoint = init_checkpoint("tiny", folder / "tiny.pt")
    options = EvalOptions(
        checkpoint=checkpoint,
        data_root=cache_64,
        out_dir=folder / "out",
        samples=SAMPLES,
        robustness=CONDITIONS,
        grid_rows=4,
        command="dfrec evaluate --samples 4 (test)",
        progress=False,
    )
    return options, run_evaluation(options)


def test_evaluation_writes_table_json_and_grid(evaluation):
    options, _ = evaluation
    for name in ("results.md", "results.json", "recoveries.png"):
        assert (options.out_dir / name).is_file()
    markdown = (options.out_dir / "results.md").read_text()
    assert "dfrec evaluate --samples 4 (test)" in markdown and "N = 4" in markdown
    for header in ("IDSIM tgt", "IDSIM src", "dlib cos tgt", "dlib verified src", "FID tgt"):
        assert header in markdown
    for header in ("PSNR tgt", "SSIM tgt", "Acc_id", "AUC", "mask IoU", "mask area pristine"):
        assert header in markdown
    for header in (
        "top-1 tgt (dlib)",
        "top-5 src (dlib)",
        "tgt names src (dlib)",
        "src names tgt (dlib)",
        "top-1 tgt (FaceNet)",
        "IDSIM tgt tight",
    ):
        assert header in markdown
    assert "## Summary, clean inputs" in markdown and "| swap | DFREC |" in markdown
    for synthesizer in ("swap", "blend"):
        assert f"## {synthesizer} fakes, clean inputs" in markdown
        assert f"## Robustness, {synthesizer} fakes" in markdown
    assert "| None |" in markdown and "| DFREC |" in markdown and "| JPEG q50 | DFREC |" in markdown
    assert "FID SKIPPED" in markdown  # N = 4 is below the minimum
    assert "## Paired retrieval against None (dlib top-1, the same queries)" in markdown


def test_evaluation_compares_dfrec_with_none_query_by_query(evaluation):
    _, result = evaluation
    compared = {(e["synthesizer"], e["recovered"], e["method"]) for e in result["paired"]}
    assert compared == {(s, r, "DFREC") for s in ("swap", "blend") for r in ("target", "source")}
    for entry in result["paired"]:
        assert entry["queries"] == SAMPLES and 0.0 <= entry["p_value"] <= 1.0
        assert entry["method_only"] + entry["baseline_only"] <= SAMPLES


def test_evaluation_numbers_are_finite_and_in_range(evaluation):
    options, _ = evaluation
    payload = json.loads((options.out_dir / "results.json").read_text())
    rows = payload["rows"]
    names = ["clean", *(condition.name for condition in CONDITIONS)]
    expected = {(s, c, m) for s in ("swap", "blend") for c in names for m in ("None", "DFREC")}
    assert {(r["synthesizer"], r["condition"], r["method"]) for r in rows} == expected
    assert payload["samples"] == SAMPLES and payload["fid_computed"] is False
    for row in rows:
        clean = row["condition"] == "clean"
        for part in ("target", "source"):
            assert -1.0 <= row[f"{part}_idsim"] <= 1.0
            assert row[f"{part}_psnr"] > 0.0 and math.isfinite(row[f"{part}_psnr"])
            assert -1.0 <= row[f"{part}_ssim"] <= 1.0
            assert row[f"{part}_fid"] is None
            assert -1.0 <= row[f"{part}_idsim_tight"] <= 1.0
            assert 0.0 <= row[f"{part}_facenet_top1"] <= row[f"{part}_facenet_top5"] <= 1.0
            if clean:
                assert -1.0 <= row[f"{part}_judge_cosine"] <= 1.0
                assert 0.0 <= row[f"{part}_judge_verified"] <= 1.0
                assert 0.0 <= row[f"{part}_judge_top1"] <= row[f"{part}_judge_top5"] <= 1.0
                ranks = row[f"{part}_judge_ranks"]
                assert len(ranks) == SAMPLES and all(rank >= 1 for rank in ranks)
                top1 = sum(rank == 1 for rank in ranks) / SAMPLES
                assert row[f"{part}_judge_top1"] == pytest.approx(top1)
                assert 0.0 <= row[f"{part}_judge_other_top1"] <= 1.0
            else:
                assert row[f"{part}_judge_cosine"] is None
                assert row[f"{part}_judge_top1"] is None
                assert row[f"{part}_judge_ranks"] is None
                assert row[f"{part}_judge_other_top1"] is None
        if clean and row["method"] == "None":  # the fake is both queries: naming its source
            assert row["target_judge_other_top1"] == row["source_judge_top1"]  # is the same act
            assert row["source_judge_other_top1"] == row["target_judge_top1"]
        assert 0.0 <= row["acc_id"] <= 1.0
        if row["method"] == "DFREC":
            assert 0.0 <= row["auc"] <= 1.0
            assert 0.0 <= row["mask_iou"] <= 1.0 and 0.0 <= row["mask_area_pristine"] <= 1.0
        else:
            assert "mask_iou" not in row
            assert row["auc"] is None
            assert row["acc_id"] == 0.5  # the input itself: cosine 1, every input called real


def test_none_row_equals_the_metric_computed_directly(evaluation):
    from dfrec.evaluation.samples import load_test_data
    from dfrec.metrics import identity_similarity

    options, result = evaluation
    sets = load_test_data(options.data_root, 64, SAMPLES, progress=False).sets
    for synthesizer in ("swap", "blend"):
        (row,) = [
            r
            for r in result["rows"]
            if r["synthesizer"] == synthesizer
            and r["condition"] == "clean"
            and r["method"] == "None"
        ]
        fakes, truth = sets[synthesizer].fake, sets[synthesizer]
        direct_target = identity_similarity(fakes, truth.target).mean().item()
        direct_source = identity_similarity(fakes, truth.source).mean().item()
        assert row["target_idsim"] == pytest.approx(direct_target, abs=1e-5)
        assert row["source_idsim"] == pytest.approx(direct_source, abs=1e-5)


def quick_options(cache_64, tmp_path, **changes):
    """EvalOptions for a random `tiny` model on 2 fakes per kind: no judge, FID or robustness,
    out under tmp_path / "out"; changes: any other EvalOptions field."""
    from dfrec.checkpoint import init_checkpoint
    from dfrec.evaluation import EvalOptions

    return EvalOptions(
        checkpoint=init_checkpoint("tiny", tmp_path / "tiny.pt"),
        data_root=cache_64,
        out_dir=tmp_path / "out",
        samples=2,
        judge=False,
        fid=False,
        robustness=(),
        grid_rows=2,
        progress=False,
        **changes,
    )


def test_drn_row_is_optional_and_loads_lazily(cache_64, tmp_path):
    drn_checkpoint = pytest.importorskip("dfrec.baselines.drn_checkpoint")
    from dfrec.baselines.drn import DRN
    from dfrec.baselines.drn_config import create_drn_config
    from dfrec.evaluation import run_evaluation

    torch.manual_seed(0)
    drn = drn_checkpoint.save_drn(DRN(create_drn_config("drn-tiny")), tmp_path / "drn.pt")
    options = quick_options(cache_64, tmp_path, drn_checkpoint=drn)
    rows = run_evaluation(options)["rows"]
    drn_rows = [r for r in rows if r["method"] == "DRN"]
    assert len(drn_rows) == 2
    for row in drn_rows:
        assert -1.0 <= row["target_idsim"] <= 1.0 and np.isfinite(row["target_psnr"])
        assert "source_idsim" not in row and row["auc"] is None
    assert "| DRN |" in (options.out_dir / "results.md").read_text()


def test_cross_forgery_tests_each_model_on_both_synthesizers(evaluation, tmp_path):
    from dfrec.checkpoint import init_checkpoint
    from dfrec.evaluation.cross import CrossOptions, run_cross_forgery

    options, result = evaluation
    checkpoints = {
        kind: init_checkpoint("tiny", tmp_path / f"{kind}.pt", seed=seed)
        for seed, kind in enumerate(("swap", "blend"))
    }
    cross = CrossOptions(
        checkpoints=checkpoints,
        data_root=options.data_root,
        out_dir=tmp_path / "cross",
        samples=SAMPLES,
        command="dfrec cross-forgery (test)",
        progress=False,
    )
    rows = run_cross_forgery(cross)["rows"]
    methods = ("None", "DFREC trained on swap", "DFREC trained on blend")
    assert [(r["synthesizer"], r["method"]) for r in rows] == [
        (synthesizer, method) for method in methods for synthesizer in ("swap", "blend")
    ]
    markdown = (cross.out_dir / "cross.md").read_text()
    assert "dfrec cross-forgery (test)" in markdown
    assert "## tested on swap fakes" in markdown and "## tested on blend fakes" in markdown
    assert "| DFREC trained on blend |" in markdown
    assert json.loads((cross.out_dir / "cross.json").read_text())["models"]["swap"]["version"]
    # Same test samples as `dfrec evaluate`: the None rows agree to the digit.
    for row in (r for r in rows if r["method"] == "None"):
        (reference,) = [
            r
            for r in result["rows"]
            if (r["synthesizer"], r["condition"], r["method"])
            == (row["synthesizer"], "clean", "None")
        ]
        assert row["target_idsim"] == reference["target_idsim"]
        assert row["source_judge_verified"] == reference["source_judge_verified"]
    for row in rows:
        assert -1.0 <= row["target_idsim"] <= 1.0 and 0.0 <= row["acc_id"] <= 1.0
        assert "target_fid" not in row or row["target_fid"] is None


def test_cross_forgery_detection_only_runs_the_isms_alone(evaluation, tmp_path):
    """--detection-only: one ISM row per model and synthesizer (AUC and mask IoU, no faces,
    no None row)."""
    from dfrec.checkpoint import init_checkpoint
    from dfrec.evaluation.cross import CrossOptions, run_cross_forgery

    options, _ = evaluation
    cross = CrossOptions(
        checkpoints={"swap": init_checkpoint("tiny", tmp_path / "swap.pt", seed=3)},
        data_root=options.data_root,
        out_dir=tmp_path / "cross",
        samples=SAMPLES,
        recovery=False,
        progress=False,
    )
    rows = run_cross_forgery(cross)["rows"]
    assert [(r["synthesizer"], r["method"]) for r in rows] == [
        ("swap", "ISM trained on swap"),
        ("blend", "ISM trained on swap"),
    ]
    for row in rows:
        assert 0.0 <= row["auc"] <= 1.0 and 0.0 <= row["mask_iou"] <= 1.0
        assert row.get("target_idsim") is None
    assert "| ISM trained on swap |" in (cross.out_dir / "cross.md").read_text()


def test_cross_forgery_refuses_an_unknown_synthesizer(tmp_path):
    from dfrec.evaluation.cross import CrossOptions, run_cross_forgery

    options = CrossOptions(
        checkpoints={"gan": tmp_path / "gan.pt"}, data_root=tmp_path, out_dir=tmp_path
    )
    with pytest.raises(ValueError, match="trained on one of"):
        run_cross_forgery(options)


def test_held_out_synthesizer_is_evaluated_alone(cache_64, tmp_path):
    """--synthesizers lowres_swap: rows, grid and JSON for that kind only; its fakes are the
    same whichever kinds are asked with it, and the default sets are the ones they always were."""
    from dfrec.evaluation import run_evaluation
    from dfrec.evaluation.samples import load_test_data

    options = quick_options(cache_64, tmp_path, synthesizers=("lowres_swap",))
    result = run_evaluation(options)
    assert result["synthesizers"] == ["lowres_swap"]
    assert {row["synthesizer"] for row in result["rows"]} == {"lowres_swap"}
    assert {row["method"] for row in result["rows"]} == {"None", "DFREC"}
    markdown = (options.out_dir / "results.md").read_text()
    assert "## lowres_swap fakes, clean inputs" in markdown and "## swap fakes" not in markdown
    assert (options.out_dir / "recoveries.png").is_file()
    alone = load_test_data(cache_64, 64, 2, False, synthesizers=("lowres_swap",)).sets
    together = load_test_data(cache_64, 64, 2, False, synthesizers=("swap", "lowres_swap")).sets
    default = load_test_data(cache_64, 64, 2, False).sets
    assert list(alone) == ["lowres_swap", "pristine"] and list(default) == [
        "swap",
        "blend",
        "pristine",
    ]
    assert torch.equal(alone["lowres_swap"].fake, together["lowres_swap"].fake)
    assert torch.equal(default["swap"].fake, together["swap"].fake)
    assert not torch.equal(default["swap"].fake, alone["lowres_swap"].fake)
    with pytest.raises(ValueError, match="synthesizers"):
        load_test_data(cache_64, 64, 2, False, synthesizers=("selfblend",))


def test_training_people_sets_share_no_person_with_the_test_sets(cache_64):
    from dfrec.evaluation.samples import load_test_data

    test, train = (load_test_data(cache_64, 64, 2, False, people) for people in ("test", "train"))
    for kind in ("swap", "blend"):
        assert not set(test.sets[kind].source_people) & set(train.sets[kind].source_people)
        assert set(train.sets[kind].target_people) <= set(train.gallery_people)
    assert not set(test.gallery_people) & set(train.gallery_people)
    assert len(train.gallery_people) > len(test.gallery_people)  # 80 % of the people
    with pytest.raises(ValueError, match="people"):
        load_test_data(cache_64, 64, 2, False, "everyone")


def test_low_pass_keeps_the_mean_and_removes_detail():
    from dfrec.evaluation.degradations import low_pass

    images = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(3))
    blurred = low_pass(images, 4.0)
    assert blurred.shape == images.shape
    assert blurred.mean().item() == pytest.approx(images.mean().item(), abs=0.02)
    assert blurred.std() < 0.3 * images.std()
