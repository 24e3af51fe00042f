"""Find weight files shipped inside installed pip packages, with a clear error when absent."""

import importlib.util
from pathlib import Path

from torch import nn


class PretrainedFileError(RuntimeError):
    """A weight file is missing, or its content does not match what the loader expects."""


def package_file(package: str, relative_path: str, pip_name: str) -> Path:
    """Path of `relative_path` inside the installed `package`; raises if it is not there."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise PretrainedFileError(
            f"package '{package}' is not installed: pip install {pip_name} (the 'train' extra)"
        )
    for folder in spec.submodule_search_locations:
        path = Path(folder) / relative_path
        if path.is_file():
            return path
    raise PretrainedFileError(
        f"'{relative_path}' is missing from package '{package}' ({pip_name}); reinstall it"
    )


def load_state_strictly(model: nn.Module, state: dict, path: Path) -> None:
    """model.load_state_dict(state, strict=True), failing with the file's name on a mismatch."""
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as error:
        raise PretrainedFileError(f"{path} does not fit {type(model).__name__}: {error}") from error
