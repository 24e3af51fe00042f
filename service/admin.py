"""`python -m service.admin`: create, list and revoke API keys; read the audit lines.

    python -m service.admin keys create --name acme-backend --tenant acme \\
        [--scopes submit,read] [--rate-per-minute 60] [--burst 10] [--max-active-jobs 10]
    python -m service.admin keys list [--json]
    python -m service.admin keys revoke KEY_ID
    python -m service.admin audit [--count 100]

Talks to the Redis of DFREC_REDIS_URL under DFREC_REDIS_KEY_PREFIX (as the API does). `create`
prints the key and its webhook secret once; only their hash / the secret are stored. Every
command writes one audit line (who: --actor, default $USER@host). A limit of 0 is unlimited.
Exit status: 0 done, 1 no such key, 2 usage.
"""

import argparse
import getpass
import json
import socket
import sys

from redis import Redis

from dfrec_contract.apikeys import KeyStore, Quota, parse_scopes
from dfrec_contract.settings import SharedSettings
from service.audit import audit

DEFAULT_SCOPES = "submit,read"


def _default_actor() -> str:
    return f"{getpass.getuser()}@{socket.gethostname()}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m service.admin", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--actor", default=_default_actor(), help="who does this (audit line)")
    commands = parser.add_subparsers(dest="command", required=True)
    keys = commands.add_parser("keys", help="API keys").add_subparsers(dest="action", required=True)
    create = keys.add_parser("create", help="make a key; prints it once")
    create.add_argument("--name", required=True)
    create.add_argument("--tenant", required=True, help="the jobs it submits belong to it")
    create.add_argument("--scopes", default=DEFAULT_SCOPES, help="of submit, read, admin")
    defaults = Quota()
    create.add_argument("--rate-per-minute", type=float, default=defaults.rate_per_minute)
    create.add_argument("--burst", type=int, default=defaults.burst)
    create.add_argument("--max-active-jobs", type=int, default=defaults.max_active_jobs)
    listing = keys.add_parser("list", help="every key (never the key itself)")
    listing.add_argument("--json", action="store_true")
    revoke = keys.add_parser("revoke", help="revoke a key by its id (or a unique prefix)")
    revoke.add_argument("key_id")
    log = commands.add_parser("audit", help="the latest audit lines")
    log.add_argument("--count", type=int, default=100)
    return parser


def _create(store: KeyStore, args: argparse.Namespace) -> int:
    try:
        scopes = parse_scopes(args.scopes)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    quota = Quota(args.rate_per_minute, args.burst, args.max_active_jobs)
    key, record = store.create(args.name, args.tenant, scopes, quota)
    audit(store, args.actor, "keys.create", **record.public())
    print(f"key id:         {record.id}")
    print(f"tenant:         {record.tenant}")
    print(f"scopes:         {','.join(sorted(scopes))}")
    print(f"API key:        {key}")
    print(f"webhook secret: {record.webhook_secret}")
    print("Store both now: the key is not shown again.")
    return 0


def _list(store: KeyStore, args: argparse.Namespace) -> int:
    records = store.all()
    audit(store, args.actor, "keys.list", count=len(records))
    if args.json:
        print(json.dumps([record.public() for record in records], indent=2))
        return 0
    print(f"{'id':12}  {'tenant':16}  {'name':20}  {'scopes':18}  {'quota':22}  state")
    for record in records:
        quota = record.quota
        limits = f"{quota.rate_per_minute:g}/min b{quota.burst} a{quota.max_active_jobs}"
        state = "revoked" if record.revoked else "active"
        state += " (development)" if record.development else ""
        scopes = ",".join(sorted(record.scopes))
        print(
            f"{record.id:12}  {record.tenant:16}  {record.name:20}  {scopes:18}  {limits:22}  "
            f"{state}"
        )
    return 0


def _revoke(store: KeyStore, args: argparse.Namespace) -> int:
    try:
        record = store.revoke(args.key_id)
    except KeyError as error:
        print(error.args[0], file=sys.stderr)
        return 1
    audit(store, args.actor, "keys.revoke", key_id=record.id, tenant=record.tenant)
    print(f"revoked {record.id} ({record.name}, tenant {record.tenant})")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = SharedSettings()
    redis = Redis.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=5)
    store = KeyStore(redis, settings.redis_key_prefix)
    try:
        if args.command == "audit":
            for line in store.audit_lines(args.count):
                print(line)
            return 0
        return {"create": _create, "list": _list, "revoke": _revoke}[args.action](store, args)
    finally:
        redis.close()


if __name__ == "__main__":
    raise SystemExit(main())
