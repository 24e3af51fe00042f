"""A PNG grid of synthetic samples (columns: target | source | fake | mask) to look at.

    python -m dfrec.data.preview --data ../shared/data/celeba-id --size 128 \
        --out docs/images/synth_samples.png [--mix selfblend=1.0]
"""

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from dfrec.data.dataset import SyntheticForgeries
from dfrec.data.faces import AlignedFaces
from dfrec.data.prepare import DEFAULT_CACHE_DIR, prepare_cache
from dfrec.data.splits import folder_split
from dfrec.data.synth import DEFAULT_MIX, Forgery, parse_mix

COLUMNS = ("target", "source", "fake", "mask")
HEADER = 18
GAP = 2


def _tile(forgery: Forgery, column: str) -> np.ndarray:
    """One cell as (S, S, 3) uint8."""
    image = np.repeat(forgery.mask, 3, axis=0) if column == "mask" else getattr(forgery, column)
    return np.rint(image.transpose(1, 2, 0) * 255.0).astype(np.uint8)


def sample_grid(forgeries: list[Forgery]) -> Image.Image:
    """Rows of samples under a header naming the columns; each fake is labelled with its kind."""
    size = forgeries[0].fake.shape[1]
    width = len(COLUMNS) * (size + GAP) - GAP
    height = HEADER + len(forgeries) * (size + GAP) - GAP
    canvas = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(canvas)
    for column_index, column in enumerate(COLUMNS):
        draw.text((column_index * (size + GAP) + 4, 3), column, fill="black")
    for row_index, forgery in enumerate(forgeries):
        top = HEADER + row_index * (size + GAP)
        for column_index, column in enumerate(COLUMNS):
            left = column_index * (size + GAP)
            canvas.paste(Image.fromarray(_tile(forgery, column)), (left, top))
        label_box = draw.textbbox((2 * (size + GAP) + 4, top + 4), forgery.kind)
        draw.rectangle(label_box, fill="black")
        draw.text(label_box[:2], forgery.kind, fill="yellow")
    return canvas


def save_sample_grid(dataset: SyntheticForgeries, path: Path, rows: int = 12) -> Path:
    """Draw the first `rows` items of the dataset into a PNG at path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sample_grid([dataset.forgery(index) for index in range(rows)]).save(path)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder of <identity>/<file>.jpg")
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    parser.add_argument("--out", type=Path, default=Path("docs/images/synth_samples.png"))
    parser.add_argument("--rows", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mix", type=parse_mix, default=DEFAULT_MIX, help="e.g. selfblend=1.0")
    args = parser.parse_args(argv)
    faces = AlignedFaces.load(prepare_cache(args.data, args.size, args.cache_dir))
    split = folder_split(args.data, seed=args.seed)
    dataset = SyntheticForgeries(faces, split.train, length=args.rows, mix=args.mix, seed=args.seed)
    print(save_sample_grid(dataset, args.out, args.rows))


if __name__ == "__main__":
    main()
