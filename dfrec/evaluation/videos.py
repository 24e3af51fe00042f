"""`dfrec evaluate-videos`: forged and unforged test videos -> the worker's per-video logic
with the shipped model in-process -> video-, track- and frame-level AUC and identity retrieval
of each track's best-frame faces, beside the photo AUC of the same model.

Clips (dfrec.evaluation.video_clips) are filmed over photos of the TEST people only (the
identity split training uses, dfrec.evaluation.samples); each forged clip has an unforged twin
(same photo, same camera motion) as its negative. The MP4 files live in a temporary folder.
"""

from __future__ import annotations

import io
import json
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from dfrec.data.faces import AlignedFaces
from dfrec.data.prepare import prepare_cache
from dfrec.data.splits import folder_split
from dfrec.data.synth import SYNTHESIZERS
from dfrec.evaluation.aggregate import FeatureCache, build_galleries
from dfrec.evaluation.samples import MIN_PHOTOS_PER_PERSON, SPLIT_SEED, TEST_FRACTION
from dfrec.evaluation.video_clips import (
    CameraMotion,
    ClipSettings,
    camera_frames,
    forge_frames,
    write_mp4,
)
from dfrec.evaluation.video_metrics import ClipScores, by_kind, detection_metrics, retrieval
from dfrec.evaluation.video_report import write_video_report
from dfrec.evaluation.video_run import VideoRun, run_video
from dfrec.imageio import open_rgb
from dfrec.pipeline import Recoverer
from worker.config import WorkerSettings

VIDEO_SEED = 1101  # the clips' draw: fixed, apart from the photo sets' seeds (samples.SET_SEEDS)
QUERY_KINDS = {"recovered": ("target", "source"), "fake_itself": ("crop", "crop")}
"""Retrieval queries: which best-frame image is asked for the target and for the source."""


@dataclass(frozen=True)
class VideoEvalOptions:
    checkpoint: Path
    data_root: Path
    out_dir: Path
    pairs: int = 16
    """Forged clips (each with its unforged twin), the synthesizers taking turns."""
    clip: ClipSettings = field(default_factory=ClipSettings)
    photo_results: Path | None = None
    """The photo evaluation's results.json, for its AUC of the same model."""
    sheet_clips: int = 4
    command: str = ""


@dataclass(frozen=True)
class ClipSpec:
    """One forged clip and its twin: target and source photos (face-cache rows)."""

    name: str
    kind: str
    target_row: int
    source_row: int
    seed: int
    motion: CameraMotion


def clip_specs(
    identities: np.ndarray, rows: np.ndarray, kinds: tuple[str, ...], seed: int
) -> Iterator[ClipSpec]:
    """Endless draws of (target photo, source photo of another person) among rows, the kinds
    taking turns; identities: (N,) of the whole face cache."""
    rng = np.random.default_rng(seed)
    index = 0
    while True:
        target, source = (int(row) for row in rng.choice(rows, size=2, replace=False))
        if identities[target] == identities[source]:
            continue
        direction = (int(rng.choice((-1, 1))), int(rng.choice((-1, 1))))
        kind = kinds[index % len(kinds)]
        yield ClipSpec(
            f"clip{index:02d}_{kind}",
            kind,
            target,
            source,
            int(rng.integers(2**31)),
            CameraMotion(direction=direction),
        )
        index += 1


def test_rows(faces: AlignedFaces, data_root: Path) -> np.ndarray:
    """Face-cache rows of the test people who have a second photo (for the gallery)."""
    split = folder_split(data_root, TEST_FRACTION, SPLIT_SEED)
    rows = faces.indices_of(list(split.test))
    people, photos = np.unique(faces.identities[rows], return_counts=True)
    keep = people[photos >= MIN_PHOTOS_PER_PERSON]
    return rows[np.isin(faces.identities[rows], keep)]


def png_tensor(data: bytes) -> torch.Tensor:
    """PNG bytes -> (3, S, S) float32 in [0, 1]."""
    pixels = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), np.float32) / 255.0
    return torch.from_numpy(pixels.transpose(2, 0, 1).copy())


def clip_scores(name: str, kind: str, run: VideoRun, threshold: float) -> ClipScores:
    return ClipScores(
        name=name,
        kind=kind,
        video=run.outcome.fake_probability,
        tracks=[track.fake_probability for track in run.outcome.tracks],
        frames=[face.fake_probability for face in run.observations],
        threshold=threshold,
    )


def run_video_evaluation(options: VideoEvalOptions) -> dict[str, Any]:
    """Make, forge and judge the clips; write results.json, results.md and contact_sheet.png
    into options.out_dir; return the results."""
    started = time.perf_counter()
    settings = WorkerSettings()
    recoverer = Recoverer.from_checkpoint(options.checkpoint)
    image_size = recoverer.geometry.image_size
    faces = AlignedFaces.load(prepare_cache(options.data_root, image_size))
    rows = test_rows(faces, options.data_root)
    clips: list[ClipScores] = []
    records: list[dict[str, Any]] = []
    queries: dict[str, list[torch.Tensor]] = {}
    sheets: list[tuple[str, bytes]] = []
    skipped = 0
    specs = clip_specs(faces.identities, rows, SYNTHESIZERS, VIDEO_SEED)
    with tempfile.TemporaryDirectory() as folder:
        while len(records) < options.pairs:
            spec = next(specs)
            photo = _photo(faces, options.data_root, spec.target_row)
            filmed = list(camera_frames(photo, spec.motion, options.clip))
            source_photo = _photo(faces, options.data_root, spec.source_row)
            forged = forge_frames(filmed, source_photo, spec.kind, spec.seed)
            if forged.unforged:  # a frame without the target's face: truth not clean
                skipped += 1
                continue
            runs = {}
            for kind, frames in ((spec.kind, forged.frames), ("pristine", filmed)):
                path = Path(folder) / f"{spec.name}_{kind}.mp4"
                write_mp4(frames, path, options.clip)
                runs[kind] = run_video(path, settings, recoverer, image_size)
                threshold = settings.video_verdict_threshold
                clips.append(clip_scores(spec.name, kind, runs[kind], threshold))
            fake = runs[spec.kind].outcome
            if fake.tracks:
                for query, (target_kind, source_kind) in QUERY_KINDS.items():
                    for role, image_kind in (("target", target_kind), ("source", source_kind)):
                        data = fake.artifacts[f"track0_{image_kind}"].data
                        queries.setdefault(f"{role}_{query}", []).append(png_tensor(data))
                if len(sheets) < options.sheet_clips:
                    sheets.append((spec.name, fake.artifacts["contact_sheet"].data))
            records.append(_record(spec, faces, forged.pasted_share, runs))
    with_track = [record for record in records if record["fake"]["tracks"]]
    cache = FeatureCache()
    gallery_images = torch.from_numpy(faces.crops[rows]).permute(0, 3, 1, 2).float() / 255.0
    galleries = build_galleries(gallery_images, faces.identities[rows], rows, cache, judge=True)
    if galleries.judge is None:
        raise RuntimeError("the dlib judge described no gallery")
    excluded = np.array([[r["source_row"], r["target_row"]] for r in with_track], np.int64)
    identity = {}
    for name, images in queries.items():
        role = name.split("_")[0]
        people = np.array([r[f"{role}_person"] for r in with_track])
        descriptors = cache.descriptor(torch.stack(images))
        identity[name] = retrieval(descriptors, people, excluded, galleries.judge)
    results = {
        "command": options.command,
        "checkpoint": _shown(options.checkpoint),
        "clip": {
            "seconds": options.clip.seconds,
            "fps": options.clip.fps,
            "frame_side": options.clip.frame_side,
            "crf": options.clip.crf,
            "sample_fps": settings.video_sample_fps,
            "verdict_threshold": settings.video_verdict_threshold,
        },
        "pairs": len(records),
        "skipped_draws": skipped,
        "gallery_photos": len(rows),
        "gallery_people": len(np.unique(faces.identities[rows])),
        "detection": detection_metrics(clips),
        "detection_by_kind": by_kind(clips),
        "photo_auc": _photo_auc(options.photo_results),
        "identity": identity,
        "clips": records,
        "seconds": round(time.perf_counter() - started, 1),
    }
    write_video_report(results, sheets, options.out_dir)
    return results


def _shown(path: Path) -> str:
    """The path as the command line would give it: relative to the working folder if inside."""
    return (
        str(path.resolve().relative_to(Path.cwd()))
        if path.resolve().is_relative_to(Path.cwd())
        else str(path)
    )


def _photo(faces: AlignedFaces, data_root: Path, row: int) -> np.ndarray:
    return np.asarray(open_rgb(data_root / str(faces.identities[row]) / str(faces.files[row])))


def _run_record(run: VideoRun) -> dict[str, Any]:
    return {
        "samples": run.samples,
        "video_score": run.outcome.fake_probability,
        "tracks": [
            {
                "frames_seen": track.frames_seen,
                "score": track.fake_probability,
                "verdict": track.verdict,
                "best_frame": track.best_frame,
                "timeline": [point.fake_probability for point in track.timeline],
            }
            for track in run.outcome.tracks
        ],
    }


def _record(
    spec: ClipSpec, faces: AlignedFaces, pasted_share: float, runs: dict[str, VideoRun]
) -> dict[str, Any]:
    return {
        "name": spec.name,
        "kind": spec.kind,
        "seed": spec.seed,
        "direction": list(spec.motion.direction),
        "target_row": spec.target_row,
        "source_row": spec.source_row,
        "target_person": str(faces.identities[spec.target_row]),
        "source_person": str(faces.identities[spec.source_row]),
        "target_photo": f"{faces.identities[spec.target_row]}/{faces.files[spec.target_row]}",
        "source_photo": f"{faces.identities[spec.source_row]}/{faces.files[spec.source_row]}",
        "pasted_share": round(pasted_share, 4),
        "fake": _run_record(runs[spec.kind]),
        "pristine": _run_record(runs["pristine"]),
    }


def _photo_auc(path: Path | None) -> dict[str, float] | None:
    """DFREC's clean-input AUC per synthesizer from the photo evaluation's results.json."""
    if path is None or not path.is_file():
        return None
    rows = json.loads(path.read_text())["rows"]
    return {
        row["synthesizer"]: row["auc"]
        for row in rows
        if row["condition"] == "clean" and row["method"] == "DFREC" and row["auc"] is not None
    }
