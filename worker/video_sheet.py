"""The contact sheet of a video job: one row per track, its best face, the recovered source
and target, and its timeline (per-frame fake probability as dots, the smoothed line, the
verdict threshold dashed), labelled with the track's id, verdict and score."""

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from dfrec_contract.video import TrackReport
from worker.postprocess import Artifact, encode_pixels

THUMB = 128
CHART_WIDTH = 384
LABEL_HEIGHT = 16
PAD = 4
BACKGROUND = (255, 255, 255)
RAW_COLOUR = (120, 120, 120)
LINE_COLOUR = {"fake": (200, 30, 30), "real": (30, 120, 30)}
SHEET_KINDS = ("crop", "source", "target")


def _thumb(artifact: Artifact | None) -> Image.Image:
    """The image at thumbnail size; grey where a chunk kept none (worker.video_results)."""
    if artifact is None:
        return Image.new("RGB", (THUMB, THUMB), (200, 200, 200))
    with Image.open(io.BytesIO(artifact.data)) as image:
        return image.convert("RGB").resize((THUMB, THUMB), Image.Resampling.BILINEAR)


def _chart(track: TrackReport, start: float, end: float, threshold: float) -> Image.Image:
    chart = Image.new("RGB", (CHART_WIDTH, THUMB), (245, 245, 245))
    draw = ImageDraw.Draw(chart)
    span = max(end - start, 1e-6)

    def point(seconds: float, probability: float) -> tuple[float, float]:
        x = PAD + (CHART_WIDTH - 2 * PAD) * (seconds - start) / span
        return x, PAD + (THUMB - 2 * PAD) * (1.0 - probability)

    level = point(start, threshold)[1]
    for dash in range(PAD, CHART_WIDTH - PAD, 8):
        draw.line([(dash, level), (dash + 4, level)], fill=(160, 160, 160))
    for item in track.timeline:
        x, y = point(item.time_seconds, item.fake_probability)
        draw.ellipse([x - 2, y - 2, x + 2, y + 2], fill=RAW_COLOUR)
    line = [point(item.time_seconds, item.smoothed) for item in track.timeline]
    if len(line) > 1:
        draw.line(line, fill=LINE_COLOUR[track.verdict], width=2)
    return chart


def contact_sheet(
    tracks: list[TrackReport],
    images: dict[int, dict[str, Artifact]],
    duration_seconds: float,
    threshold: float,
) -> Artifact:
    """One row per track (in report order); images[track id][kind] are the best face's PNGs."""
    row_height = LABEL_HEIGHT + THUMB + PAD
    width = PAD + len(SHEET_KINDS) * (THUMB + PAD) + CHART_WIDTH + PAD
    sheet = Image.new("RGB", (width, PAD + row_height * max(1, len(tracks))), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default()
    for row, track in enumerate(tracks):
        top = PAD + row * row_height
        label = (
            f"track {track.id}: {track.verdict} {track.fake_probability:.2f}, "
            f"{track.frames_seen} frames, {track.first_seconds:.1f}-{track.last_seconds:.1f} s "
            "(best face, source, target, timeline)"
        )
        draw.text((PAD, top), label, fill=(0, 0, 0), font=font)
        left = PAD
        for kind in SHEET_KINDS:
            sheet.paste(_thumb(images[track.id].get(kind)), (left, top + LABEL_HEIGHT))
            left += THUMB + PAD
        chart = _chart(track, 0.0, duration_seconds, threshold)
        sheet.paste(chart, (left, top + LABEL_HEIGHT))
    return encode_pixels(np.asarray(sheet))
