"""The Celery worker: job id in, preprocess -> Triton ensemble -> PNGs -> Redis.

Imports numpy, OpenCV, dlib, tritonclient, Celery/redis, dfrec_contract (the job contract it
shares with the API) and `dfrec.data.align` (faces aligned exactly as in training); never
torch, the models or the API package. `worker.localrun` (the local stack) is a separate tool.
"""
