"""The video path's parts on small clips made here: sampling by the clock (variable frame rate
too), rotation, the decode bound, the tracker (and the IoU it relies on, measured on the
two-person test clip), the verdict rule and the smoothing, chunks that sample as one pass does,
a chunk result's round trip through JSON."""

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from videos import encode_frames, flat_frames, people_clip

from dfrec_contract.video import VideoFacts
from worker.detection import DetectionBudget, detect_faces_within
from worker.postprocess import encode_pixels
from worker.tracker import IouTracker, iou
from worker.video_chunks import ChunkResult, chunk_plan
from worker.video_frames import FrameSampler, declared_limit, planned_samples
from worker.video_tracks import FaceObservation, smoothed, verdict_score

FACTS = VideoFacts(
    container="MP4",
    codec="h264",
    duration_seconds=3.0,
    frame_rate=10.0,
    declared_frames=30,
    rotation=0,
    stored_as="clip.mp4",
)

PIXELS = 640 * 360
"""Frame size bound of the clips here (the largest, the two-person clip)."""


def stored(tmp_path: Path, data: bytes, name: str = "clip.mp4") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_sampling_takes_the_first_frame_then_two_a_second(tmp_path: Path) -> None:
    path = stored(tmp_path, encode_frames(flat_frames(30), fps=10))
    sampler = FrameSampler(path, FACTS, 2.0, PIXELS)
    frames = list(sampler)
    assert [frame.index for frame in frames] == [0, 5, 10, 15, 20, 25]
    assert [frame.time_seconds for frame in frames] == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]
    assert sampler.frames_decoded == 30 and sampler.stopped_because is None
    assert planned_samples(FACTS, 2.0) == 6


def test_variable_frame_rate_is_sampled_by_the_clock(tmp_path: Path) -> None:
    times_ms = [0, 100, 200, 1400, 1450, 1500, 2600]
    path = stored(tmp_path, encode_frames(flat_frames(7), pts=times_ms))
    frames = list(FrameSampler(path, dataclasses.replace(FACTS, declared_frames=7), 2.0, PIXELS))
    assert [frame.time_seconds for frame in frames] == [0.0, 1.4, 1.5, 2.6]


def test_rotation_is_applied(tmp_path: Path) -> None:
    pixels = np.zeros((48, 64, 3), np.uint8)
    pixels[:, :8] = 255  # a white band on the left of the coded frame
    path = stored(tmp_path, encode_frames([pixels] * 2, rotation=90))
    frame = next(iter(FrameSampler(path, dataclasses.replace(FACTS, rotation=90), 2.0, PIXELS)))
    assert frame.rgb.shape == (64, 48, 3)
    assert frame.rgb[-4:].mean() > 200 and frame.rgb[:4].mean() < 50, "left band turned down"


def test_a_stream_longer_than_its_header_claims_stops_at_the_bound(tmp_path: Path) -> None:
    path = stored(tmp_path, encode_frames(flat_frames(60, (16, 16)), fps=10))
    facts = dataclasses.replace(FACTS, duration_seconds=0.1, declared_frames=1, frame_rate=10.0)
    sampler = FrameSampler(path, facts, 2.0, PIXELS)
    list(sampler)
    assert sampler.frames_decoded == declared_limit(facts) < 60
    assert "more than" in sampler.stopped_because


def test_a_frame_larger_than_the_first_stops_decoding(tmp_path: Path) -> None:
    path = stored(tmp_path, encode_frames(flat_frames(10, (64, 48)), fps=10))
    sampler = FrameSampler(path, FACTS, 2.0, 64 * 48 - 1)
    assert list(sampler) == [] and "larger" in sampler.stopped_because


def test_a_damaged_stream_stops_with_a_reason(tmp_path: Path) -> None:
    data = encode_frames(flat_frames(30, (16, 16)), fps=10)
    path = stored(tmp_path, data[: len(data) // 2])
    sampler = FrameSampler(path, FACTS, 2.0, PIXELS)
    assert list(sampler) == [] and sampler.stopped_because


def test_tracker_keeps_ids_through_motion_gaps_and_new_faces() -> None:
    tracker = IouTracker(min_iou=0.2, max_gap=1)
    assert tracker.update(0, [(0, 0, 100, 100), (300, 0, 400, 100)]) == [0, 1]
    assert tracker.update(1, [(310, 0, 410, 100), (20, 0, 120, 100)]) == [1, 0]
    assert tracker.update(2, [(40, 0, 140, 100)]) == [0]
    assert tracker.update(3, [(320, 0, 420, 100)]) == [1], "one sample unseen: same track"
    assert tracker.update(6, [(320, 0, 420, 100)]) == [2], "past max_gap: a new track"
    assert tracker.update(7, [(700, 0, 800, 100)]) == [3]


def test_verdict_is_the_mean_of_the_top_third_and_smoothing_is_centred() -> None:
    assert verdict_score([0.1, 0.9, 0.2, 0.8, 0.3, 0.1]) == pytest.approx(0.85)
    assert verdict_score([0.4]) == 0.4
    assert smoothed([0.0, 0.0, 1.0, 0.0, 0.0], 3) == pytest.approx([0, 1 / 3, 1 / 3, 1 / 3, 0])


@pytest.mark.data
def test_same_face_iou_between_samples_is_far_above_the_threshold(
    celeba_root: Path, tmp_path: Path
) -> None:
    """The number behind the tracker's min_iou (docs/videos.md): the same face's IoU between
    successive samples of the two-person clip, and the largest IoU between the two people."""
    path = stored(tmp_path, people_clip(celeba_root, 3.0, 10))
    budget = DetectionBudget(500_000, 2_000_000)
    boxes = [
        sorted(face.box for face in detect_faces_within(frame.rgb, budget))
        for frame in FrameSampler(path, FACTS, 2.0, PIXELS)
    ]
    assert all(len(frame) == 2 for frame in boxes)
    same = [iou(a[i], b[i]) for a, b in zip(boxes, boxes[1:], strict=False) for i in (0, 1)]
    across = [iou(frame[0], frame[1]) for frame in boxes]
    print(f"same face between samples: min IoU {min(same):.3f}; two people: max {max(across)}")
    assert min(same) > 0.5 and max(across) == 0.0


def test_chunks_at_bucket_boundaries_sample_what_one_pass_samples(tmp_path: Path) -> None:
    times_ms = [0, 100, 200, 1400, 1450, 1500, 2600, 2700, 2999]
    path = stored(tmp_path, encode_frames(flat_frames(9), pts=times_ms))
    facts = dataclasses.replace(FACTS, declared_frames=9)
    plan = chunk_plan(facts, 2.0, 1.0)
    assert plan == [(0, 2), (2, 4), (4, None)]
    assert chunk_plan(facts, 2.0, 0) == chunk_plan(facts, 2.0, 30.0) == [(0, None)]
    whole = [(frame.index, frame.sample) for frame in FrameSampler(path, facts, 2.0, PIXELS)]
    chunked = [
        (frame.index, frame.sample)
        for buckets in plan
        for frame in FrameSampler(path, facts, 2.0, PIXELS, buckets)
    ]
    assert chunked == whole == [(0, 0), (3, 1), (5, 2), (6, 3)]


def test_a_chunk_result_survives_its_trip_through_json() -> None:
    face = FaceObservation(5, 1, 0, 0.5, (1, 2, 3, 4), 0.25, None, 1.5)
    image = encode_pixels(np.zeros((4, 4, 3), np.uint8))
    result = ChunkResult(
        index=1,
        worker="worker1@host",
        buckets=(2, None),
        observations=[face],
        images={face.key: {"crop": image}},
        frames_decoded=30,
        samples=3,
        faces_detected=2,
        faces_too_small=1,
        batches=[1],
        stopped_because=None,
        times_ms={"decode": 1.0},
    )
    assert ChunkResult.from_json(result.to_json()) == result


def test_every_accepted_hostile_video_decodes_in_the_worker_without_an_error(
    tmp_path: Path,
) -> None:
    """The hostile videos the API accepts (tests/hostile_videos.py) through the worker's
    sampler: frames come out upright at the size the API reported, or decoding stops with a
    reason; no exception escapes."""
    from hostile_videos import hostile_videos

    from service.config import ServiceSettings
    from service.errors import ApiError
    from service.media_sniff import looks_like_video
    from service.video_probe import probe_video

    settings = ServiceSettings(env="test")
    accepted = 0
    for case in hostile_videos():
        data = case.body[case.body.index(b"\r\n\r\n") + 4 : case.body.rindex(b"\r\n--")]
        if not looks_like_video(data):
            continue
        try:
            facts, width, height = probe_video(data, settings)
        except ApiError:
            continue
        accepted += 1
        sampler = FrameSampler(stored(tmp_path, data), facts, 2.0, width * height)
        shapes = {frame.rgb.shape for frame in sampler}
        assert shapes <= {(height, width, 3)}, case.id
        assert shapes or sampler.stopped_because, case.id
    assert accepted >= 20
