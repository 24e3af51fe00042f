"""Find or build the Triton model repository for a local run (uses the model package)."""

from pathlib import Path

DEFAULT_CACHE = Path.home() / ".cache" / "dfrec" / "local"


def build_repository(checkpoint: Path, out_dir: Path) -> Path:
    """`dfrec export --target cpu` as a function call."""
    from dfrec.export.repository import export_repository

    return export_repository(checkpoint, out_dir, target="cpu")


def random_weights_repository(variant: str, cache_dir: Path = DEFAULT_CACHE) -> Path:
    """A repository of a random-weight checkpoint of `variant`, built once and cached.
    Outputs are meaningless; the plumbing is real. For trying the service and for tests."""
    from dfrec.checkpoint import init_checkpoint

    out_dir = cache_dir / f"{variant}-random-repository"
    if (out_dir / "dfrec" / "config.pbtxt").is_file():
        return out_dir
    checkpoint = init_checkpoint(variant, cache_dir / f"{variant}-random.pt")
    return build_repository(checkpoint, out_dir)
