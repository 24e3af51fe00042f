"""`python -m client`: submit, wait, download and verify from the shell.

    python -m client submit photo.jpg --wait          # prints the job as JSON
    python -m client submit clip.mp4 --wait           # a video: progress on stderr meanwhile
    python -m client submit photo.jpg --callback-url https://platform.example/dfrec-hook
    python -m client wait JOB_ID
    python -m client download JOB_ID --out results/   # PNGs + evidence.json
    python -m client keys > dfrec-keys.json           # the published public evidence keys
    python -m client verify results/evidence.json --artifacts results/ --public-keys dfrec-keys.json
    python -m client verify evidence.json --key-file key.txt        # an HMAC-signed manifest
    python -m client verify evidence.json --allow-development-key   # a local run's manifest

The API address comes from --url or DFREC_API_URL, the API key from --api-key or
DFREC_API_KEY (verify needs neither). An Ed25519 manifest is checked against --public-keys (a
JWK set as served at /.well-known/dfrec-keys.json, one JWK, or a PEM public key; a file or an
http(s) URL); an HMAC one against --key, --key-file or DFREC_EVIDENCE_KEY. A manifest signed
with a public development key is reported as such and refused unless --allow-development-key
(then the development keys are the default keys).
Exit status: 0 done, 1 the job failed or verification failed, 2 usage.
"""

import argparse
import json
import os
import sys
from pathlib import Path

import httpx

from client.models import Job
from client.sync_client import DfrecClient
from dfrec_contract.evidence import (
    DEVELOPMENT_KEY,
    ED25519,
    development_signing_key,
    public_key_id,
    public_keys_from_jwks,
    public_keys_from_pem,
    signature_algorithm,
    signed_with_development_key,
    verify,
)

DEFAULT_URL = "http://localhost:8080"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m client", description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=os.environ.get("DFREC_API_URL", DEFAULT_URL))
    parser.add_argument("--api-key", default=os.environ.get("DFREC_API_KEY"))
    commands = parser.add_subparsers(dest="command", required=True)
    submit = commands.add_parser("submit", help="upload a photo or a video; print the job")
    submit.add_argument("image", type=Path)
    submit.add_argument("--wait", action="store_true", help="wait until the job finishes")
    submit.add_argument("--callback-url", help="POST the finished job's summary here, signed")
    submit.add_argument("--idempotency-key", help="default: a fresh one for this submit")
    submit.add_argument("--timeout", type=float, default=300.0)
    wait = commands.add_parser("wait", help="wait for a job; print it")
    wait.add_argument("job_id")
    wait.add_argument("--timeout", type=float, default=300.0)
    download = commands.add_parser("download", help="save a job's PNGs and evidence.json")
    download.add_argument("job_id")
    download.add_argument("--out", type=Path, required=True)
    commands.add_parser("keys", help="print the published public evidence keys (JWK set)")
    check = commands.add_parser("verify", help="check a manifest's signature and files")
    check.add_argument("manifest", type=Path)
    check.add_argument("--artifacts", type=Path, help="folder of the downloaded files")
    check.add_argument(
        "--public-keys", help="Ed25519: JWK set / JWK / PEM public key, as a file or an URL"
    )
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


def _public_keys(args: argparse.Namespace) -> dict:
    source = args.public_keys
    keys = {}
    if source:
        if source.startswith(("https://", "http://")):
            response = httpx.get(source, timeout=30)
            response.raise_for_status()
            data = response.content
        else:
            data = Path(source).read_bytes()
        loaded = data.lstrip()
        is_pem = loaded.startswith(b"-----BEGIN")
        keys = public_keys_from_pem(data) if is_pem else public_keys_from_jwks(json.loads(data))
    if args.allow_development_key:
        public = development_signing_key().public_key()
        keys.setdefault(public_key_id(public), public)
    if not keys:
        raise SystemExit("an Ed25519 manifest needs --public-keys (file or URL)")
    return keys


def _verify(args: argparse.Namespace) -> int:
    manifest = json.loads(args.manifest.read_text())
    if signed_with_development_key(manifest):
        print("note: signed with the PUBLIC development key", file=sys.stderr)
    if signature_algorithm(manifest) == ED25519:
        problems = verify(
            manifest,
            artifacts=args.artifacts,
            public_keys=_public_keys(args),
            allow_development_key=args.allow_development_key,
        )
    else:
        problems = verify(
            manifest,
            _key(args),
            args.artifacts,
            allow_development_key=args.allow_development_key,
        )
    for problem in problems:
        print(f"NOT VERIFIED: {problem}", file=sys.stderr)
    if problems:
        return 1
    checked = f", {len(manifest['artifacts'])} artifact files match" if args.artifacts else ""
    print(f"verified: signature valid{checked}")
    return 0


def show_progress(job: Job) -> None:
    """A video's sampled frames done / total on stderr, rewritten in place."""
    if job.progress is not None:
        done, total = job.progress.frames_done, job.progress.frames_total
        end = "\n" if job.finished else ""
        print(f"\r{job.status}: frames {done} / {total}", end=end, file=sys.stderr, flush=True)


def _run(args: argparse.Namespace) -> int:
    with DfrecClient(args.url, api_key=args.api_key) as client:
        if args.command == "keys":
            print(json.dumps(client.evidence_keys(), indent=2))
            return 0
        if args.command == "download":
            for path in client.download(args.job_id, args.out):
                print(path)
            return 0
        if args.command == "submit":
            job = client.submit(
                args.image, callback_url=args.callback_url, idempotency_key=args.idempotency_key
            )
            job = client.wait(job.id, args.timeout, show_progress) if args.wait else job
        else:
            job = client.wait(args.job_id, args.timeout, show_progress)
    print(job.model_dump_json(indent=2))
    return 1 if job.status == "failed" else 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return _verify(args) if args.command == "verify" else _run(args)
