"""The manifest of a wild validation folder: which images are fakes, by which tool, and which
unedited photos (the originals) each fake was made from.

manifest.csv columns: file, label (fake | real), tool (empty for real rows), repo, path_in_repo,
license, source_file, target_file, notes. source_file / target_file are empty when unknown, or
hold several files separated by ";" (a fake with several pasted people).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

MANIFEST_NAME = "manifest.csv"
LABELS = ("fake", "real")
COLUMNS = ("file", "label", "tool", "source_file", "target_file")  # the ones read here
ORIGINALS_SEPARATOR = ";"


class ManifestError(ValueError):
    """A manifest row that cannot be used, named by its line number."""


@dataclass(frozen=True)
class WildImage:
    """One row: the image, "fake" or "real", the tool that made a fake ("" for real photos), and
    the fake's originals (empty when unknown)."""

    path: Path
    label: str
    tool: str
    sources: tuple[Path, ...]
    targets: tuple[Path, ...]

    @property
    def is_fake(self) -> bool:
        return self.label == "fake"


def _existing(folder: Path, name: str, line: int) -> Path:
    path = folder / name
    if not path.is_file():
        raise ManifestError(f"{MANIFEST_NAME} line {line}: {name!r} is not a file in {folder}")
    return path


def _originals(folder: Path, cell: str, line: int) -> tuple[Path, ...]:
    names = [name.strip() for name in cell.split(ORIGINALS_SEPARATOR) if name.strip()]
    return tuple(_existing(folder, name, line) for name in names)


def _row(folder: Path, row: dict[str, str], line: int) -> WildImage:
    label, tool = row["label"].strip(), row["tool"].strip()
    if label not in LABELS:
        raise ManifestError(
            f"{MANIFEST_NAME} line {line}: label {label!r} is neither of {', '.join(LABELS)}"
        )
    if (label == "fake") != bool(tool):
        expected = "a fake names its tool" if label == "fake" else "a real photo has no tool"
        raise ManifestError(f"{MANIFEST_NAME} line {line}: tool {tool!r}, but {expected}")
    return WildImage(
        path=_existing(folder, row["file"].strip(), line),
        label=label,
        tool=tool,
        sources=_originals(folder, row["source_file"], line),
        targets=_originals(folder, row["target_file"], line),
    )


def read_manifest(folder: Path) -> list[WildImage]:
    """folder/manifest.csv -> its rows in file order; every file named must exist in folder."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        raise ManifestError(f"no {MANIFEST_NAME} in {folder}")
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        missing = set(COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise ManifestError(f"{path} lacks the columns {', '.join(sorted(missing))}")
        return [_row(folder, row, reader.line_num) for row in reader]


def original_photos(images: list[WildImage]) -> list[Path]:
    """Every source and target photo the rows name, each once, in order of first mention."""
    named = (path for image in images for path in (*image.sources, *image.targets))
    return list(dict.fromkeys(named))
