"""Keep the local stack up: restart whichever of Triton, the API and the workers has exited."""

import time
from collections.abc import Callable

from dfrec.triton.launcher import TritonServer
from worker.localrun.processes import ManagedProcess

CHECK_INTERVAL_SECONDS = 1.0


def triton_running(triton: TritonServer) -> bool:
    return triton.process is not None and triton.process.poll() is None


def restart_exited(
    triton: TritonServer | None, processes: list[ManagedProcess], model: str = "dfrec"
) -> list[str]:
    """Start again every exited process (Triton first, waiting until it is ready); the names
    of those restarted."""
    restarted = []
    if triton is not None and not triton_running(triton):
        triton.start()
        triton.wait_ready(model)
        restarted.append("triton")
    for process in processes:
        if not process.is_running():
            process.start()
            restarted.append(process.name)
    return restarted


def supervise(
    triton: TritonServer, processes: list[ManagedProcess], report: Callable[[str], None]
) -> None:
    """Forever (until KeyboardInterrupt): check every second, restart, report."""
    while True:
        for name in restart_exited(triton, processes):
            report(f"{name} had exited; restarted it (see its log)")
        time.sleep(CHECK_INTERVAL_SECONDS)
