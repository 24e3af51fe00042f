"""Run the whole stack on one machine without Docker: bundled Triton, Celery worker(s), API.

Used by `scripts/run_local.py` (`python -m worker.localrun`) and by the integration tests. Not
imported by the worker itself; it is the only place here that touches `dfrec.triton` / export.
"""
