"""The video evaluation's files: results.json, results.md (tables) and contact_sheet.png (the
worker's own contact sheet of a few forged clips, one under the other, each titled)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

TITLE_HEIGHT = 18
LEVELS = (("video", "video_auc"), ("track", "track_auc"), ("frame", "frame_auc"))
QUERIES = (
    ("target_recovered", "recovered target (best frame)", "target"),
    ("target_fake_itself", "the fake itself (best frame)", "target"),
    ("source_recovered", "recovered source (best frame)", "source"),
    ("source_fake_itself", "the fake itself (best frame)", "source"),
)


def _number(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f} %"


def reaches_photo(results: dict[str, Any]) -> list[str]:
    """One sentence per synthesizer: does the track-level AUC reach the photo AUC?"""
    photo = results["photo_auc"] or {}
    lines = []
    for kind, metrics in results["detection_by_kind"].items():
        track, reference = metrics["track_auc"], photo.get(kind)
        if track is None or reference is None:
            lines.append(f"- {kind}: no comparison (a number is missing).")
            continue
        verb = "reaches" if track >= reference else "does not reach"
        lines.append(f"- {kind}: track-level AUC {track:.3f} {verb} the photo AUC {reference:.3f}.")
    return lines


def markdown(results: dict[str, Any]) -> str:
    clip, detection, photo = results["clip"], results["detection"], results["photo_auc"] or {}
    kinds = list(results["detection_by_kind"])
    lines = [
        "# Video evaluation (forged test videos)",
        "",
        f"Command: `{results['command']}`",
        "",
        f"{results['pairs']} forged clips + their {results['pairs']} unforged twins "
        f"({clip['seconds']:g} s, {clip['fps']} fps, {clip['frame_side']} px, H.264 crf "
        f"{clip['crf']}), sampled at {clip['sample_fps']:g} fps by the worker's sampler; "
        f"checkpoint `{results['checkpoint']}`; {results['skipped_draws']} draws skipped (a "
        f"frame without a detectable target face); {results['seconds']:g} s.",
        "",
        "## Detection (ROC AUC of DFREC's scores; fake = positive)",
        "",
        "| level | all | " + " | ".join(kinds) + " | items |",
        "|---|---|" + "---|" * len(kinds) + "---|",
    ]
    for level, key in LEVELS:
        per_kind = " | ".join(_number(results["detection_by_kind"][k][key]) for k in kinds)
        count = detection["videos"] if level == "video" else detection[f"{level}s"]
        lines.append(f"| {level} | {_number(detection[key])} | {per_kind} | {count} |")
    photo_row = " | ".join(_number(photo.get(kind)) for kind in kinds)
    lines += [
        f"| photo (docs/eval/results.json, clean) | — | {photo_row} | 128 + 128 per kind |",
        "",
        f"Video verdicts right at the threshold {clip['verdict_threshold']:g}: "
        f"{_percent(detection['video_accuracy'])}; clips without a track: "
        f"{detection['videos_without_track']}.",
        "",
        *reaches_photo(results),
        "",
        "## Identity retrieval of track 0 of each forged clip (dlib judge)",
        "",
        f"Gallery: {results['gallery_photos']} photos of {results['gallery_people']} test "
        "people; the clip's own source and target photos left out.",
        "",
        "| who | query | top-1 | top-5 | queries |",
        "|---|---|---|---|---|",
    ]
    for key, label, role in QUERIES:
        row = results["identity"].get(key)
        if row is not None:
            lines.append(
                f"| {role} | {label} | {_percent(row['top1'])} | {_percent(row['top5'])} | "
                f"{row['queries']} |"
            )
    lines += [
        "",
        "## Clips",
        "",
        "| clip | target / source | fake: score (tracks) | unforged: score (tracks) |",
        "|---|---|---|---|",
    ]
    for record in results["clips"]:
        fake, real = record["fake"], record["pristine"]
        lines.append(
            f"| {record['name']} | {record['target_person']} / {record['source_person']} | "
            f"{_number(fake['video_score'])} ({len(fake['tracks'])}) | "
            f"{_number(real['video_score'])} ({len(real['tracks'])}) |"
        )
    return "\n".join(lines) + "\n"


def stacked_sheets(sheets: list[tuple[str, bytes]]) -> bytes:
    """The contact sheets (name, PNG) one under the other, each under its name; PNG bytes."""
    images = [Image.open(io.BytesIO(data)).convert("RGB") for _, data in sheets]
    width = max(image.width for image in images)
    height = sum(image.height + TITLE_HEIGHT for image in images)
    figure = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(figure)
    font = ImageFont.load_default()
    top = 0
    for (name, _), image in zip(sheets, images, strict=True):
        draw.text((4, top + 3), f"{name} (forged)", fill=(0, 0, 0), font=font)
        figure.paste(image, (0, top + TITLE_HEIGHT))
        top += image.height + TITLE_HEIGHT
    buffer = io.BytesIO()
    figure.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def write_video_report(
    results: dict[str, Any], sheets: list[tuple[str, bytes]], out_dir: Path
) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    (out_dir / "results.md").write_text(markdown(results))
    if sheets:
        (out_dir / "contact_sheet.png").write_bytes(stacked_sheets(sheets))
