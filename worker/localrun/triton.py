"""The bundled Triton as the local run starts it: HTTP, gRPC and metrics on 127.0.0.1 only."""

from pathlib import Path

from dfrec.triton.launcher import TritonServer

LOOPBACK = "127.0.0.1"


class LoopbackTritonServer(TritonServer):
    def command(self, backends: Path) -> list[str]:
        return [
            *super().command(backends),
            f"--http-address={LOOPBACK}",
            f"--grpc-address={LOOPBACK}",
            f"--metrics-address={LOOPBACK}",
        ]
