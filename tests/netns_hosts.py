"""Separate hosts on one machine: network namespaces joined by veth pairs to a bridge (iproute2;
needs root). Every host has its own address on one /24 and its own loopback, left down, so a
process that reaches for 127.0.0.1 fails instead of quietly sharing this machine's. The test
process joins the network as one more host (`CLIENT`). `cut` takes a host's link down: its
processes keep running, its packets go nowhere; `restore` brings the link back.
"""

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from dfrec.triton.launcher import TritonServer
from worker.localrun.processes import ManagedProcess

SUBNET = "10.231.7"
"""A /24 nothing else here uses; its .1 is this machine (the client)."""
CLIENT = f"{SUBNET}.1"


def ip(*arguments: str) -> None:
    subprocess.run(["ip", *arguments], check=True, capture_output=True)


def netns_unavailable() -> str | None:
    """Why hosts cannot be made here, or None when they can."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "iproute2's `ip` is not installed"
    probe = f"dfrec-probe-{os.getpid()}"
    try:
        ip("netns", "add", probe)
        ip("netns", "del", probe)
    except subprocess.CalledProcessError as error:
        return f"`ip netns add` failed: {error.stderr.decode().strip()}"
    return None


@dataclass(frozen=True)
class Host:
    name: str
    namespace: str
    address: str
    port: str
    """Its veth end on the bridge: down means the host is cut off."""

    @property
    def prefix(self) -> list[str]:
        """Run a command on this host."""
        return ["ip", "netns", "exec", self.namespace]

    def process(self, process: ManagedProcess, **env: str) -> ManagedProcess:
        """`process` started on this host instead, with `env` added."""
        return ManagedProcess(
            process.name, [*self.prefix, *process.argv], process.env | env, process.log_path
        )


class Network:
    """A bridge in its own namespace, and one namespace per named host around it."""

    def __init__(self, names: list[str]) -> None:
        tag = f"dfrec{os.getpid() % 100_000}"
        self.tag = tag
        self.bridge = f"{tag}-lan"
        self.hosts = {
            name: Host(name, f"{tag}-{name}", f"{SUBNET}.{index}", f"{tag}p{index}")
            for index, name in enumerate(names, start=2)
        }
        self.client_link = f"{tag}c"

    def __enter__(self) -> "Network":
        try:
            ip("netns", "add", self.bridge)
            ip("-n", self.bridge, "link", "add", "br0", "type", "bridge")
            ip("-n", self.bridge, "link", "set", "br0", "up")
            for host in self.hosts.values():
                ip("netns", "add", host.namespace)
                self._attach(host.port, "eth0", host.namespace)
                ip("-n", host.namespace, "addr", "add", f"{host.address}/24", "dev", "eth0")
                ip("-n", host.namespace, "link", "set", "eth0", "up")
            self._attach(f"{self.tag}b", self.client_link, None)
            ip("addr", "add", f"{CLIENT}/24", "dev", self.client_link)
            ip("link", "set", self.client_link, "up")
        except BaseException:
            self.__exit__()
            raise
        return self

    def _attach(self, bridge_end: str, host_end: str, namespace: str | None) -> None:
        """A veth pair: `host_end` in `namespace` (None: this machine), `bridge_end` on br0."""
        where = ["netns", namespace] if namespace else []
        ip("link", "add", bridge_end, "type", "veth", "peer", "name", host_end, *where)
        ip("link", "set", bridge_end, "netns", self.bridge)
        ip("-n", self.bridge, "link", "set", bridge_end, "master", "br0", "up")

    def cut(self, name: str) -> None:
        ip("-n", self.bridge, "link", "set", self.hosts[name].port, "down")

    def restore(self, name: str) -> None:
        ip("-n", self.bridge, "link", "set", self.hosts[name].port, "up")

    def __exit__(self, *_) -> None:
        subprocess.run(["ip", "link", "del", self.client_link], capture_output=True)
        for namespace in [host.namespace for host in self.hosts.values()] + [self.bridge]:
            subprocess.run(["ip", "netns", "del", namespace], capture_output=True)


class HostTritonServer(TritonServer):
    """The bundled Triton on `host`, listening on that host's address only."""

    def __init__(self, host: Host, model_repository: Path, log_path: Path) -> None:
        super().__init__(model_repository, 8000, 8001, 8002, log_path)
        self.host = host

    @property
    def http_url(self) -> str:
        return f"{self.host.address}:{self.http_port}"

    @property
    def grpc_url(self) -> str:
        return f"{self.host.address}:{self.grpc_port}"

    def command(self, backends: Path) -> list[str]:
        address = self.host.address
        return [
            *self.host.prefix,
            *super().command(backends),
            f"--http-address={address}",
            f"--grpc-address={address}",
            f"--metrics-address={address}",
        ]
