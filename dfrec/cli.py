"""The `dfrec` command: recover, forge, init-checkpoint, ship(-lre), export, train(-drn, -lre),
evaluate (--wild), evaluate-videos, cross-forgery, ablation tables, triton serve."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from dfrec.baselines.drn_config import drn_variant_names
from dfrec.data.synth import HELD_OUT_SYNTHESIZERS, SYNTHESIZERS, parse_mix
from dfrec.lre.config import lre_variant_names
from dfrec.registry import variant_names
from dfrec.training.config import (
    DEFAULT_DATA_ROOT,
    DEFAULT_SOURCE_ONLY_ROOT,
    STAGES,
    RunConfig,
    TrainConfig,
)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CHECKPOINT = PROJECT_ROOT / "weights" / "dfrec-small.pt"
DEFAULT_REPOSITORY = PROJECT_ROOT / "model_repository"
DEFAULT_LRE_CHECKPOINT = PROJECT_ROOT / "weights" / "lre-small.pt"


def default(config_type: type, name: str) -> object:
    """The default of a config dataclass field: the CLI never types a run default twice."""
    return config_type.__dataclass_fields__[name].default


def add_run_arguments(parser: argparse.ArgumentParser, run_name: str) -> None:
    """The options every training run takes (DFREC and DRN), defaults from RunConfig."""
    parser.add_argument("--data", type=Path, default=default(RunConfig, "data_root"))
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "runs" / run_name)
    for option in ("steps", "batch_size", "sample_every", "checkpoint_every"):
        flag = "--" + option.replace("_", "-")
        parser.add_argument(flag, type=int, default=default(RunConfig, option))
    parser.add_argument(
        "--num-workers",
        type=int,
        default=None,
        help="data worker processes (default: 1 on the CPU, all cores but two beside a GPU)",
    )
    parser.add_argument(
        "--mix",
        type=parse_mix,
        default=None,
        help="shares of each forgery kind, e.g. swap=0.8,pristine=0.2 (default "
        "swap=0.4,blend=0.4,pristine=0.2)",
    )
    parser.add_argument(
        "--cpu-bf16",
        action="store_true",
        help="bf16 autocast on the CPU too (refused without AMX / AVX512-BF16; CUDA always has it)",
    )
    parser.add_argument(
        "--init-from",
        type=Path,
        default=None,
        help="checkpoint to fine-tune from when --out holds no training state",
    )


def default_workers() -> int:
    """Forgeries are made on the fly: a GPU needs many CPU workers to stay busy (gpu.md
    measured 14 workers leaving the H100 half idle), a CPU run keeps its cores for the model."""
    import os

    import torch

    if not torch.cuda.is_available():
        return 1
    return max(1, (os.cpu_count() or 3) - 2)


def command_line(argv: list[str] | None) -> str:
    """This invocation as a shell command, for the reports that record how they were made."""
    return shlex.join(["dfrec", *(sys.argv[1:] if argv is None else argv)])


def run_options(args: argparse.Namespace) -> dict[str, object]:
    """add_run_arguments' values as training-config fields."""
    return {
        "variant": args.variant,
        "data_root": args.data,
        "out_dir": args.out,
        "steps": args.steps,
        "batch_size": args.batch_size,
        "sample_every": args.sample_every,
        "checkpoint_every": args.checkpoint_every,
        "num_workers": default_workers() if args.num_workers is None else args.num_workers,
        "init_from": args.init_from,
        "cpu_bf16": args.cpu_bf16,
    } | ({"mix": args.mix} if args.mix else {})


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dfrec", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    recover = commands.add_parser("recover", help="recover source/target faces in-process")
    recover.add_argument("images", nargs="+", type=Path)
    recover.add_argument("--out", type=Path, required=True)
    recover.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT)
    recover.add_argument(
        "--no-align", action="store_true", help="inputs are aligned crops: only resize them"
    )

    forge = commands.add_parser(
        "forge", help="paste one photo's face into another's: a fake whose truth is known"
    )
    forge.add_argument("source", type=Path, help="photo whose face is pasted in")
    forge.add_argument("target", type=Path, help="photo that is edited")
    forge.add_argument("--out", type=Path, required=True, help="the fake's PNG path")
    forge.add_argument("--kind", choices=SYNTHESIZERS + HELD_OUT_SYNTHESIZERS, default="swap")
    forge.add_argument("--seed", type=int, default=0)

    init = commands.add_parser("init-checkpoint", help="write a random-weight checkpoint")
    init.add_argument("--variant", choices=variant_names(), default="small")
    init.add_argument("--out", type=Path, required=True)
    init.add_argument("--seed", type=int, default=0)

    ship = commands.add_parser("ship", help="store a trained checkpoint as float16 for shipping")
    ship.add_argument("checkpoint", type=Path)
    ship.add_argument("--out", type=Path, default=DEFAULT_CHECKPOINT)
    ship.add_argument(
        "--current-config",
        action="store_true",
        help="store the variant's present registry config (weights must load strictly)",
    )

    export = commands.add_parser("export", help="write a Triton model repository")
    export.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT)
    export.add_argument("--out", type=Path, default=DEFAULT_REPOSITORY)
    export.add_argument("--target", choices=["cpu", "gpu"], default="cpu")
    export.add_argument("--max-batch-size", type=int, default=8)
    export.add_argument(
        "--lre",
        type=Path,
        default=None,
        help="LRE checkpoint served beside DFREC (default: weights/lre-small.pt when present)",
    )
    export.add_argument("--no-lre", action="store_true", help="serve DFREC alone")

    train = commands.add_parser("train", help="train on synthetic forgeries (resumes if cut off)")
    train.add_argument("--variant", choices=variant_names(), default="small")
    add_run_arguments(train, "small")
    train.add_argument(
        "--patch-weight",
        type=float,
        default=default(TrainConfig, "patch_weight"),
        help="weight of the MAE patch loss (lambda_3)",
    )
    train.add_argument(
        "--stage",
        choices=STAGES,
        default=default(TrainConfig, "stage"),
        help="pretrain: ISM segmentation, MAE on real faces, SIRM rebuild (no VGG; FaceNet only "
        "with --mae-identity-weight); "
        "full: the paper's losses",
    )
    train.add_argument("--learning-rate", type=float, default=default(TrainConfig, "learning_rate"))
    train.add_argument(
        "--networks",
        type=lambda text: tuple(name.strip() for name in text.split(",")),
        default=default(TrainConfig, "networks"),
        help="pretraining only: comma-separated networks that learn (default ism,sirm,tirm)",
    )
    train.add_argument(
        "--fresh-networks",
        type=lambda text: tuple(name.strip() for name in text.split(",")),
        default=default(TrainConfig, "fresh_networks"),
        help="with --init-from: these networks start as from scratch (the ISM from ImageNet), "
        "not from the file, e.g. ism",
    )
    train.add_argument(
        "--mae-identity-weight",
        type=float,
        default=default(TrainConfig, "mae_identity_weight"),
        help="pretraining only: weight of a FaceNet identity term on the MAE's hidden faces",
    )
    train.add_argument(
        "--mae-identity-downscale",
        type=int,
        default=default(TrainConfig, "mae_identity_downscale"),
        help="shrink both faces by this factor before the MAE identity term (a low-pass)",
    )
    train.add_argument(
        "--mae-gradient-weight",
        type=float,
        default=default(TrainConfig, "mae_gradient_weight"),
        help="pretraining only: weight of an L1 term on the pixel differences of the MAE's "
        "hidden faces (against tile seams and dots)",
    )
    train.add_argument(
        "--ism-lovasz-weight",
        type=float,
        default=default(TrainConfig, "ism_lovasz_weight"),
        help="pretraining only: weight of a Lovasz hinge (an IoU surrogate) on the ISM's mask",
    )
    train.add_argument(
        "--source-only",
        type=Path,
        default=DEFAULT_SOURCE_ONLY_ROOT if DEFAULT_SOURCE_ONLY_ROOT.is_dir() else None,
        help="unlabelled face crops pasted as extra sources (default ../shared/data/utkface)",
    )
    train.add_argument("--no-source-only", action="store_true", help="CelebA sources only")
    train.add_argument(
        "--source-only-pristine",
        action="store_true",
        help="half the pristine faces come from the --source-only crops",
    )
    train.add_argument(
        "--source-only-targets",
        action="store_true",
        help="half the targets and pristine faces come from the --source-only crops",
    )
    train.add_argument("--no-augment", action="store_true", help="no jitter / blur / JPEG / noise")
    train.add_argument("--mirror", action="store_true", help="flip half the items left to right")
    train.add_argument(
        "--align-jitter",
        action="store_true",
        help="move half the items off the alignment (shift, scale, rotation by a few px / %% / °)",
    )
    train.add_argument(
        "--wild-degrade",
        action="store_true",
        help="half the inputs through a resize chain and 1-3 JPEG generations (web / figure crops)",
    )
    train.add_argument(
        "--video-degrade",
        action="store_true",
        help="half the inputs through one H.264 frame (CRF 20-36, face 1-2.5x the crop's size)",
    )
    train.add_argument(
        "--resynth-from",
        type=Path,
        default=None,
        help="checkpoint whose SIRM re-draws the faces of resynth items (default: --init-from)",
    )
    train.add_argument(
        "--real-tool-fakes",
        type=Path,
        default=None,
        metavar="DIR",
        help="a folder of a real swap tool's outputs: the realtool items of --mix",
    )
    train.add_argument(
        "--tight-crops",
        type=Path,
        default=None,
        metavar="DIR",
        help="a folder of untouched tight face crops: the tight_pristine items of --mix",
    )

    train_drn = commands.add_parser("train-drn", help="train the DRN baseline (resumes if cut off)")
    train_drn.add_argument("--variant", choices=drn_variant_names(), default="drn-small")
    add_run_arguments(train_drn, "drn-small")

    train_lre = commands.add_parser(
        "train-lre", help="train LRE: --stage mae, then --stage detector (resumes if cut off)"
    )
    train_lre.add_argument("--variant", choices=lre_variant_names(), default="lre-small")
    add_run_arguments(train_lre, "lre-small")
    train_lre.add_argument("--stage", choices=("mae", "detector"), default="detector")
    train_lre.add_argument(
        "--mae-from",
        type=Path,
        default=None,
        help="MAE weights: the mae stage's LRE checkpoint (detector stage), or a DFREC "
        "checkpoint whose TIRM was pretrained as an MAE on real faces (mae stage)",
    )
    train_lre.add_argument(
        "--detector-from",
        type=Path,
        default=None,
        help="detector stage: continue the trained detector of this LRE checkpoint",
    )
    train_lre.add_argument("--learning-rate", type=float, default=1e-4)
    train_lre.add_argument("--no-augment", action="store_true", help="no jitter / blur / JPEG")

    ship_lre = commands.add_parser("ship-lre", help="store a trained LRE checkpoint as float16")
    ship_lre.add_argument("checkpoint", type=Path)
    ship_lre.add_argument("--out", type=Path, default=DEFAULT_LRE_CHECKPOINT)

    evaluate = commands.add_parser(
        "evaluate",
        help="metrics table + figure grid on test people (or on wild face swaps: --wild DIR)",
    )
    evaluate.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT)
    evaluate.add_argument("--drn", type=Path, default=None, help="DRN checkpoint (adds a row)")
    evaluate.add_argument(
        "--lre",
        type=Path,
        default=None,
        help="LRE checkpoint (adds its rows and heat maps; with --wild its scores and the "
        "fused score); not given: the ISM alone",
    )
    evaluate.add_argument("--no-judge", action="store_true", help="no dlib judge (faster)")
    evaluate.add_argument(
        "--wild",
        type=Path,
        default=None,
        metavar="DIR",
        help="evaluate on a folder of real tools' face swaps with a manifest.csv (e.g. "
        "../shared/data/wild-dev) instead of synthetic fakes: OUT/wild.md, wild.json, "
        "wild_scores.csv, figures/",
    )
    evaluate.add_argument(
        "--wild-celeba",
        type=int,
        default=None,
        metavar="N",
        help="with --wild: photos of CelebA test people (from --data) added to the negatives "
        "(default 256, 0 for none)",
    )
    evaluate.add_argument(
        "--wild-negatives",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="with --wild: a folder of unedited photos only (a manifest.csv of real rows, e.g. "
        "real video frames), counted in the false alarms as a group named after the folder; "
        "repeatable",
    )
    evaluate.add_argument("--no-fid", action="store_true", help="no FID (faster)")
    evaluate.add_argument(
        "--detection-only",
        action="store_true",
        help="detectors only: the ISM and LRE (AUC, mask and heat-map IoU), no recovery",
    )
    evaluate.add_argument("--data", type=Path, default=DEFAULT_DATA_ROOT)
    evaluate.add_argument("--out", type=Path, default=PROJECT_ROOT / "runs" / "eval")
    evaluate.add_argument(
        "--samples",
        type=int,
        default=None,
        help="fakes per synthesizer (default: the fixed protocol's 128)",
    )
    evaluate.add_argument("--no-robustness", action="store_true", help="clean inputs only")
    evaluate.add_argument(
        "--synthesizers",
        nargs="+",
        choices=SYNTHESIZERS + HELD_OUT_SYNTHESIZERS,
        default=list(SYNTHESIZERS),
        help=f"the fakes' kinds (default: {' '.join(SYNTHESIZERS)}; held out from training: "
        f"{' '.join(HELD_OUT_SYNTHESIZERS)})",
    )

    cross = commands.add_parser(
        "cross-forgery", help="per-synthesizer models tested on both synthesizers' fakes"
    )
    cross.add_argument("--swap", type=Path, default=None, help="DFREC trained on swap fakes")
    cross.add_argument("--blend", type=Path, default=None, help="DFREC trained on blend fakes")
    cross.add_argument("--lre-swap", type=Path, default=None, help="LRE trained on swap fakes")
    cross.add_argument("--lre-blend", type=Path, default=None, help="LRE trained on blend fakes")
    cross.add_argument("--data", type=Path, default=DEFAULT_DATA_ROOT)
    cross.add_argument("--out", type=Path, default=PROJECT_ROOT / "runs" / "eval")
    cross.add_argument("--samples", type=int, default=32, help="fakes per synthesizer")
    cross.add_argument(
        "--detection-only",
        action="store_true",
        help="the models' ISMs (and LREs) only: AUC and mask / heat-map IoU, no recovery",
    )

    videos = commands.add_parser(
        "evaluate-videos",
        help="forged and unforged test videos through the worker's video logic: video / track "
        "/ frame AUC and identity retrieval per track (docs/eval/videos.md)",
    )
    videos.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT)
    videos.add_argument("--data", type=Path, default=DEFAULT_DATA_ROOT)
    videos.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "eval" / "videos")
    videos.add_argument("--pairs", type=int, default=16, help="forged clips (each with a twin)")
    videos.add_argument(
        "--photo-results",
        type=Path,
        default=PROJECT_ROOT / "docs" / "eval" / "results.json",
        help="the photo evaluation's results.json (its AUC is shown beside the videos')",
    )

    ablation = commands.add_parser("ablation", help="one table from several evaluations' JSON")
    ablation.add_argument("runs", nargs="+", help='"name=path/to/results.json", in recipe order')
    ablation.add_argument(
        "--out", type=Path, default=PROJECT_ROOT / "docs" / "eval" / "ablation.md"
    )

    wild_ablation = commands.add_parser(
        "wild-ablation", help="one table of wild (and synthetic) detection from evaluations' JSON"
    )
    wild_ablation.add_argument(
        "runs", nargs="+", help='"name=runs/x/wild.json[,runs/x/results.json]", in recipe order'
    )
    wild_ablation.add_argument(
        "--out", type=Path, default=PROJECT_ROOT / "docs" / "eval" / "wild-ablation.md"
    )

    triton = commands.add_parser("triton", help="run the Triton server bundled in nvidia-pytriton")
    triton_commands = triton.add_subparsers(dest="triton_command", required=True)
    serve = triton_commands.add_parser("serve", help="start Triton, wait for the ensemble, block")
    serve.add_argument("--model-repository", type=Path, default=DEFAULT_REPOSITORY)
    serve.add_argument("--http-port", type=int, default=8000)
    serve.add_argument("--grpc-port", type=int, default=8001)
    serve.add_argument("--metrics-port", type=int, default=8002)
    return parser


def synthetic_only_options(args: argparse.Namespace) -> list[str]:
    """The `evaluate` options given that only the synthetic evaluation reads."""
    given = {
        "--drn": args.drn is not None,
        "--no-fid": args.no_fid,
        "--detection-only": args.detection_only,
        "--samples": args.samples is not None,
        "--no-robustness": args.no_robustness,
        "--synthesizers": args.synthesizers != list(SYNTHESIZERS),
    }
    return [option for option, present in given.items() if present]


def run_wild(args: argparse.Namespace, argv: list[str] | None) -> int:
    """`dfrec evaluate --wild DIR`: dfrec.evaluation.wild on the folder."""
    from dfrec.checkpoint import CheckpointError
    from dfrec.evaluation.wild import DEFAULT_CELEBA_PHOTOS, WildOptions, run_wild_evaluation

    if ignored := synthetic_only_options(args):
        print(f"error: --wild does not take {', '.join(ignored)}", file=sys.stderr)
        return 2
    options = WildOptions(
        wild_dir=args.wild,
        checkpoint=args.checkpoint,
        data_root=args.data,
        out_dir=args.out,
        lre_checkpoint=args.lre,
        extra_negatives=tuple(args.wild_negatives),
        celeba_photos=DEFAULT_CELEBA_PHOTOS if args.wild_celeba is None else args.wild_celeba,
        judge=not args.no_judge,
        command=command_line(argv),
    )
    try:
        seconds = run_wild_evaluation(options)["seconds"]
    except (CheckpointError, OSError, ValueError) as error:  # ManifestError is a ValueError
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"{args.out / 'wild.md'} ({seconds:.0f} s)")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "cpu_bf16", False):
        import torch

        from dfrec.training.runner import cpu_bf16_refusal

        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        if refusal := cpu_bf16_refusal(device):
            print(f"error: {refusal}", file=sys.stderr)
            return 2
    if args.command == "recover":
        from dfrec.checkpoint import CheckpointError
        from dfrec.recover_cli import run_recover

        try:
            scores = run_recover(args.images, args.out, args.checkpoint, not args.no_align)
        except (CheckpointError, OSError) as error:  # PIL raises OSError subclasses too
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(json.dumps(scores, indent=2))
    elif args.command == "forge":
        from dfrec.forge import NoFaceError, run_forge

        try:
            record = run_forge(args.source, args.target, args.kind, args.seed, args.out)
        except (NoFaceError, OSError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(json.dumps(record, indent=2))
    elif args.command == "init-checkpoint":
        from dfrec.checkpoint import init_checkpoint

        print(init_checkpoint(args.variant, args.out, args.seed))
    elif args.command == "ship":
        from dfrec.checkpoint import ship_checkpoint

        print(ship_checkpoint(args.checkpoint, args.out, args.current_config))
    elif args.command == "export":
        from dfrec.export.repository import export_repository

        lre = None if args.no_lre else args.lre
        if lre is None and not args.no_lre and DEFAULT_LRE_CHECKPOINT.is_file():
            lre = DEFAULT_LRE_CHECKPOINT
        print(export_repository(args.checkpoint, args.out, args.target, args.max_batch_size, lre))
    elif args.command == "train":
        from dfrec.training.config import TrainConfig
        from dfrec.training.loop import train

        config = TrainConfig(
            **run_options(args),
            patch_weight=args.patch_weight,
            stage=args.stage,
            networks=args.networks,
            fresh_networks=args.fresh_networks,
            mae_identity_weight=args.mae_identity_weight,
            mae_identity_downscale=args.mae_identity_downscale,
            mae_gradient_weight=args.mae_gradient_weight,
            ism_lovasz_weight=args.ism_lovasz_weight,
            learning_rate=args.learning_rate,
            source_only_root=None if args.no_source_only else args.source_only,
            source_only_pristine=args.source_only_pristine,
            source_only_targets=args.source_only_targets,
            augment=not args.no_augment,
            mirror=args.mirror,
            align_jitter=args.align_jitter,
            wild_degrade=args.wild_degrade,
            video_degrade=args.video_degrade,
            resynth_from=args.resynth_from,
            real_tool_fakes=args.real_tool_fakes,
            tight_crops=args.tight_crops,
        )
        print(train(config))
    elif args.command == "train-drn":
        from dfrec.baselines.drn_training import DRNTrainConfig, train_drn

        config = DRNTrainConfig(**run_options(args))
        print(train_drn(config))
    elif args.command == "train-lre":
        from dfrec.lre.training import LRETrainConfig, train_lre

        options = run_options(args)
        if args.stage == "mae" and not args.mix:
            options["mix"] = {"pristine": 1.0}  # the MAE learns real faces only
        lre_config = LRETrainConfig(
            **options,
            stage=args.stage,
            mae_from=args.mae_from,
            detector_from=args.detector_from,
            learning_rate=args.learning_rate,
            augment=not args.no_augment,
        )
        print(train_lre(lre_config))
    elif args.command == "ship-lre":
        from dfrec.lre.checkpoint import ship_lre

        print(ship_lre(args.checkpoint, args.out))
    elif args.command == "evaluate" and args.wild is not None:
        return run_wild(args, argv)
    elif args.command == "evaluate":
        if args.wild_celeba is not None or args.wild_negatives:
            print("error: --wild-celeba and --wild-negatives need --wild", file=sys.stderr)
            return 2
        from dfrec.evaluation import EvalOptions, run_evaluation
        from dfrec.evaluation.runner import DEFAULT_SAMPLES

        options = EvalOptions(
            checkpoint=args.checkpoint,
            data_root=args.data,
            out_dir=args.out,
            samples=args.samples or DEFAULT_SAMPLES,
            drn_checkpoint=args.drn,
            lre_checkpoint=args.lre,
            judge=not args.no_judge,
            recovery=not args.detection_only,
            fid=not args.no_fid,
            robustness=() if args.no_robustness else EvalOptions.robustness,
            command=command_line(argv),
            synthesizers=tuple(args.synthesizers),
        )
        seconds = run_evaluation(options)["seconds"]
        print(f"{args.out / 'results.md'} ({seconds:.0f} s)")
    elif args.command == "evaluate-videos":
        from dfrec.evaluation.videos import VideoEvalOptions, run_video_evaluation

        video_options = VideoEvalOptions(
            checkpoint=args.checkpoint,
            data_root=args.data,
            out_dir=args.out,
            pairs=args.pairs,
            photo_results=args.photo_results,
            command=command_line(argv),
        )
        seconds = run_video_evaluation(video_options)["seconds"]
        print(f"{args.out / 'results.md'} ({seconds:.0f} s)")
    elif args.command == "ablation":
        from dfrec.evaluation.ablation import write_ablation

        runs = dict(item.rsplit("=", 1) for item in args.runs)
        print(
            write_ablation(
                {name: Path(file) for name, file in runs.items()}, args.out, command_line(argv)
            )
        )
    elif args.command == "wild-ablation":
        from dfrec.evaluation.wild_ablation import write_wild_ablation

        print(write_wild_ablation(args.runs, args.out, command_line(argv)))
    elif args.command == "cross-forgery":
        from dfrec.evaluation.cross import CrossOptions, run_cross_forgery

        cross_options = CrossOptions(
            checkpoints={
                kind: path for kind, path in (("swap", args.swap), ("blend", args.blend)) if path
            },
            lre_checkpoints={
                kind: path
                for kind, path in (("swap", args.lre_swap), ("blend", args.lre_blend))
                if path
            },
            data_root=args.data,
            out_dir=args.out,
            samples=args.samples,
            recovery=not args.detection_only,
            command=command_line(argv),
        )
        seconds = run_cross_forgery(cross_options)["seconds"]
        print(f"{args.out / 'cross.md'} ({seconds:.0f} s)")
    elif args.command == "triton":
        from dfrec.triton.launcher import serve_forever

        serve_forever(args.model_repository, args.http_port, args.grpc_port, args.metrics_port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
