"""Give decoded images' memory back to the system when they are freed (glibc only).

glibc serves a freed large block's size from its heap next time (the mmap threshold rises to
it) and keeps one heap per thread: after a few large uploads decoded on the thread pool the API
would hold hundreds of MB it no longer uses. A fixed threshold keeps every large buffer in
its own mapping, unmapped on free, and two arenas bound the per-thread heaps.
"""

import ctypes
import ctypes.util
import logging

logger = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MMAP_THRESHOLD_BYTES = 1 << 20
ARENA_MAX = 2


def return_large_allocations() -> bool:
    """Set the malloc options; False where the C library is not glibc."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        logger.info("no glibc mallopt; large allocations follow the C library's defaults")
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) and mallopt(M_ARENA_MAX, ARENA_MAX))
