"""`python -m client`: submit, wait, download and verify from the shell.

    python -m client submit photo.jpg --wait          # prints the job as JSON
    python -m client wait JOB_ID
    python -m client download JOB_ID --out results/   # PNGs + evidence.json
    python -m client verify results/evidence.json --artifacts results/ --key-file key.txt
    python -m client verify evidence.json --allow-development-key   # a local run's manifest

The API address comes from --url or DFREC_API_URL; the evidence key from --key, --key-file or
DFREC_EVIDENCE_KEY. A manifest signed with the public development key is reported as such and
refused unless --allow-development-key (then the development key is the default key).
Exit status: 0 done, 1 the job failed or verification failed, 2 usage.
"""

import argparse
import json
import os
import sys
from pathlib import Path

from client.sync_client import DfrecClient
from dfrec_contract.evidence import DEVELOPMENT_KEY, signed_with_development_key, verify

DEFAULT_URL = "http://localhost:8080"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m client", description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=os.environ.get("DFREC_API_URL", DEFAULT_URL))
    commands = parser.add_subparsers(dest="command", required=True)
    submit = commands.add_parser("submit", help="upload a photo; print the job")
    submit.add_argument("image", type=Path)
    submit.add_argument("--wait", action="store_true", help="wait until the job finishes")
    submit.add_argument("--timeout", type=float, default=300.0)
    wait = commands.add_parser("wait", help="wait for a job; print it")
    wait.add_argument("job_id")
    wait.add_argument("--timeout", type=float, default=300.0)
    download = commands.add_parser("download", help="save a job's PNGs and evidence.json")
    download.add_argument("job_id")
    download.add_argument("--out", type=Path, required=True)
    check = commands.add_parser("verify", help="check a manifest's signature and files")
    check.add_argument("manifest", type=Path)
    check.add_argument("--artifacts", type=Path, help="folder of the downloaded files")
    keys = check.add_mutually_exclusive_group()
    keys.add_argument("--key", help="the evidence key (HMAC-SHA256 secret)")
    keys.add_argument("--key-file", type=Path, help="a file holding the key")
    check.add_argument(
        "--allow-development-key",
        action="store_true",
        help="accept a signature by the public development key (anyone can make one)",
    )
    return parser


def _key(args: argparse.Namespace) -> bytes:
    if args.key_file:
        return args.key_file.read_text().strip().encode("utf-8")
    key = args.key or os.environ.get("DFREC_EVIDENCE_KEY")
    if not key and args.allow_development_key:
        key = DEVELOPMENT_KEY
    if not key:
        raise SystemExit("no evidence key: give --key, --key-file or DFREC_EVIDENCE_KEY")
    return key.encode("utf-8")


def _verify(args: argparse.Namespace) -> int:
    manifest = json.loads(args.manifest.read_text())
    if signed_with_development_key(manifest):
        print("note: signed with the PUBLIC development key", file=sys.stderr)
    problems = verify(
        manifest, _key(args), args.artifacts, allow_development_key=args.allow_development_key
    )
    for problem in problems:
        print(f"NOT VERIFIED: {problem}", file=sys.stderr)
    if problems:
        return 1
    checked = f", {len(manifest['artifacts'])} artifact files match" if args.artifacts else ""
    print(f"verified: signature valid{checked}")
    return 0


def _run(args: argparse.Namespace) -> int:
    with DfrecClient(args.url) as client:
        if args.command == "download":
            for path in client.download(args.job_id, args.out):
                print(path)
            return 0
        if args.command == "submit":
            job = client.submit(args.image)
            job = client.wait(job.id, args.timeout) if args.wait else job
        else:
            job = client.wait(args.job_id, args.timeout)
    print(job.model_dump_json(indent=2))
    return 1 if job.status == "failed" else 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return _verify(args) if args.command == "verify" else _run(args)
