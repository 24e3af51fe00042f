"""The video evaluation's parts on tiny made-up cases: the camera, the MP4 writer read back by
the worker's sampler, the clip draw, the metrics and the report; one forged clip of two real
photos through the worker's logic (skipped without ../shared)."""

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from dfrec.evaluation.identity import Gallery, unit_rows
from dfrec.evaluation.video_clips import (
    CameraMotion,
    ClipSettings,
    camera_frames,
    forge_frames,
    write_mp4,
)
from dfrec.evaluation.video_metrics import ClipScores, by_kind, detection_metrics, retrieval
from dfrec.evaluation.video_report import markdown, reaches_photo
from dfrec.evaluation.video_run import probe, run_video
from dfrec.evaluation.videos import clip_specs
from dfrec.imageio import open_rgb
from dfrec.pipeline import Recoverer
from worker.config import WorkerSettings
from worker.video_frames import FrameSampler

TINY = ClipSettings(seconds=2.0, fps=10, frame_side=64)
CHECKPOINT = Path(__file__).resolve().parents[1] / "weights" / "dfrec-small.pt"


def _photo(side: int = 96) -> np.ndarray:
    """A square photo whose pixels say where they are (x in red, y in green)."""
    ramp = np.linspace(0, 255, side).astype(np.uint8)
    red, green = np.meshgrid(ramp, ramp)
    return np.stack([red, green, np.full_like(red, 128)], axis=2)


@pytest.mark.parametrize("direction", [(1, 1), (-1, 1), (1, -1)])
def test_camera_stays_inside_the_photo_and_zooms_in(direction: tuple[int, int]) -> None:
    motion = CameraMotion(direction=direction)
    side, frame = 320, 320
    scales = []
    for step in np.linspace(0.0, 1.0, 9):
        matrix = motion.matrix(float(step), side, frame)
        inverse = np.linalg.inv(np.vstack([matrix, [0, 0, 1]]))[:2]
        corners = np.array([[0, 0, 1], [frame, 0, 1], [0, frame, 1], [frame, frame, 1]], float)
        seen = corners @ inverse.T
        assert seen.min() >= 0 and seen.max() <= side
        scales.append(matrix[0, 0])
    assert scales == sorted(scales) and scales[-1] / scales[0] == pytest.approx(1.35 / 1.1)


def _decoded(path: Path) -> list[np.ndarray]:
    """Every frame of a video file as (H, W, 3) float RGB."""
    import av

    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24").astype(float) for f in container.decode(video=0)]


def test_clip_written_is_sampled_by_the_worker_at_two_frames_a_second(tmp_path: Path) -> None:
    frames = list(camera_frames(_photo(), CameraMotion(), TINY))
    assert len(frames) == TINY.frames == 20
    assert frames[0].shape == (64, 64, 3) and not np.array_equal(frames[0], frames[-1])
    first, second = tmp_path / "a.mp4", tmp_path / "b.mp4"
    write_mp4(frames, first, TINY)
    write_mp4(frames, second, TINY)
    # Not byte-equal on every run: libx264 here gave another encode of the same frames about one
    # run in ten even single-threaded (docs/videos.md); the frames must be the same pictures.
    decoded = [_decoded(path) for path in (first, second)]
    assert len(decoded[0]) == len(decoded[1]) == 20
    assert max(np.abs(a - b).mean() for a, b in zip(*decoded, strict=True)) < 2.0
    facts, pixels = probe(first)
    assert (facts.declared_frames, pixels) == (20, 64 * 64)
    assert facts.duration_seconds == pytest.approx(2.0)
    samples = list(FrameSampler(first, facts, 2.0, pixels))
    assert [sample.index for sample in samples] == [0, 5, 10, 15]


def test_clip_draw_pairs_two_people_and_takes_turns() -> None:
    identities = np.array(["a", "a", "b", "b", "c"])
    rows = np.arange(5)
    draw = clip_specs(identities, rows, ("swap", "blend"), seed=7)
    specs = [next(draw) for _ in range(6)]
    assert [spec.kind for spec in specs] == ["swap", "blend"] * 3
    assert all(identities[s.target_row] != identities[s.source_row] for s in specs)
    again = clip_specs(identities, rows, ("swap", "blend"), seed=7)
    assert [next(again) for _ in range(6)] == specs


def _clips() -> list[ClipScores]:
    return [
        ClipScores("c0", "swap", 0.9, [0.9, 0.2], [0.9, 0.8, 0.2], 0.5),
        ClipScores("c0", "pristine", 0.3, [0.3], [0.3, 0.1], 0.5),
        ClipScores("c1", "blend", 0.4, [0.4], [0.4, 0.6], 0.5),
        ClipScores("c1", "pristine", None, [], [], 0.5),
    ]


def test_detection_metrics_by_hand() -> None:
    metrics = detection_metrics(_clips())
    # videos: fakes 0.9, 0.4; real 0.3, 0 (no track): every fake above every real
    assert metrics["video_auc"] == 1.0
    # tracks: fakes 0.9, 0.2, 0.4; real 0.3: 2 of 3 pairs right
    assert metrics["track_auc"] == pytest.approx(2 / 3)
    # frames: fakes 0.9, 0.8, 0.2, 0.4, 0.6; real 0.3, 0.1: 9 of 10 pairs right
    assert metrics["frame_auc"] == pytest.approx(0.9)
    assert metrics["video_accuracy"] == 0.75  # c1's fake scored 0.4 < 0.5
    assert (metrics["videos"], metrics["videos_without_track"], metrics["tracks"]) == (4, 1, 4)
    kinds = by_kind(_clips())
    assert list(kinds) == ["blend", "swap"] and kinds["blend"]["videos"] == 3
    assert detection_metrics(_clips()[:1])["video_auc"] is None


def test_retrieval_ranks_the_true_person_without_the_clip_photos() -> None:
    gallery = Gallery(
        unit_rows(np.array([[1.0, 0.0], [1.0, 0.1], [0.0, 1.0], [0.1, 1.0]])),
        np.array(["a", "a", "b", "b"]),
        np.arange(4),
    )
    queries = np.array([[1.0, 0.05], [1.0, 0.0]])
    row = retrieval(queries, np.array(["a", "b"]), np.array([[0, 2], [1, 3]]), gallery)
    assert row == {"queries": 2, "top1": 0.5, "top5": 1.0}


def test_report_says_whether_the_track_auc_reaches_the_photo_auc() -> None:
    clips = _clips()
    results = {
        "command": "dfrec evaluate-videos",
        "checkpoint": "weights/dfrec-small.pt",
        "clip": {
            "seconds": 4.0,
            "fps": 10,
            "frame_side": 320,
            "crf": 18,
            "sample_fps": 2.0,
            "verdict_threshold": 0.5,
        },
        "pairs": 2,
        "skipped_draws": 0,
        "seconds": 1.0,
        "gallery_photos": 4,
        "gallery_people": 2,
        "detection": detection_metrics(clips),
        "detection_by_kind": by_kind(clips),
        "photo_auc": {"swap": 0.9, "blend": 0.95},
        "identity": {"target_recovered": {"queries": 2, "top1": 0.5, "top5": 1.0}},
        "clips": [],
    }
    assert reaches_photo(results) == [
        "- blend: track-level AUC 1.000 reaches the photo AUC 0.950.",
        "- swap: track-level AUC 0.500 does not reach the photo AUC 0.900.",
    ]
    text = markdown(results)
    assert "| track | 0.667 | 1.000 | 0.500 | 4 |" in text
    assert "| target | recovered target (best frame) | 50.0 % | 100.0 % | 2 |" in text


def test_a_forged_clip_of_two_test_photos_goes_through_the_worker(
    portrait: Callable[[int], bytes], tmp_path: Path
) -> None:
    target, source = (np.asarray(open_rgb(portrait(index))) for index in (0, 1))
    clip = ClipSettings(seconds=1.0, fps=2, frame_side=320)
    filmed = list(camera_frames(target, CameraMotion(), clip))
    forged = forge_frames(filmed, source, "blend", seed=3)
    assert forged.unforged == 0 and 0.05 < forged.pasted_share < 0.6
    again = forge_frames(filmed, source, "blend", seed=3)
    assert all(np.array_equal(a, b) for a, b in zip(forged.frames, again.frames, strict=True))
    path = tmp_path / "fake.mp4"
    write_mp4(forged.frames, path, clip)
    run = run_video(path, WorkerSettings(), Recoverer.from_checkpoint(CHECKPOINT), 128)
    assert run.samples == 2 and len(run.outcome.tracks) == 1
    track = run.outcome.tracks[0]
    assert track.frames_seen == 2 and run.outcome.fake_probability == track.fake_probability
    assert {"track0_source", "track0_target", "track0_crop", "contact_sheet"} <= set(
        run.outcome.artifacts
    )
