#!/usr/bin/env python
"""Start the bundled Triton, a Celery worker and the API locally; Ctrl-C stops all three.

python scripts/run_local.py --help
"""

from worker.localrun.__main__ import main

if __name__ == "__main__":
    raise SystemExit(main())
