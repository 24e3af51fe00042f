"""Find or build the Triton model repository for a local run (uses the model package)."""

from pathlib import Path

DEFAULT_CACHE = Path.home() / ".cache" / "dfrec" / "local"


def build_repository(checkpoint: Path, out_dir: Path, lre_checkpoint: Path | None = None) -> Path:
    """`dfrec export --target cpu [--lre ...]` as a function call."""
    from dfrec.export.repository import export_repository

    return export_repository(checkpoint, out_dir, target="cpu", lre_checkpoint=lre_checkpoint)


RANDOM_LRE_VARIANTS = {"tiny": "lre-tiny"}  # DFREC variant -> LRE variant of its image size


def random_weights_repository(variant: str, cache_dir: Path = DEFAULT_CACHE) -> Path:
    """A repository of a random-weight checkpoint of `variant` (with a random LRE of the same
    image size beside it, where RANDOM_LRE_VARIANTS names one), built once and cached.
    Outputs are meaningless; the plumbing is real. For trying the service and for tests."""
    from dfrec.checkpoint import init_checkpoint

    out_dir = cache_dir / f"{variant}-random-repository"
    with_lre = variant not in RANDOM_LRE_VARIANTS or (out_dir / "lre").is_dir()
    if (out_dir / "dfrec" / "config.pbtxt").is_file() and with_lre:
        return out_dir
    checkpoint = init_checkpoint(variant, cache_dir / f"{variant}-random.pt")
    lre_checkpoint = None
    if variant in RANDOM_LRE_VARIANTS:
        from dfrec.lre.checkpoint import init_lre_checkpoint

        lre_variant = RANDOM_LRE_VARIANTS[variant]
        lre_checkpoint = init_lre_checkpoint(lre_variant, cache_dir / f"{lre_variant}-random.pt")
    return build_repository(checkpoint, out_dir, lre_checkpoint)
