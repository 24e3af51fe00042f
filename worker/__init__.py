"""The Celery worker: job id in, preprocess -> Triton ensemble -> PNGs -> Redis.

Imports numpy, tritonclient and `dfrec.noise` only; never torch or the model code.
"""
