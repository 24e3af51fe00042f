"""The REST API: accepts images, queues recovery jobs, reports their state and serves artifacts.

Never imports torch or the model package; only the standard library, the `api` extra and
dfrec_contract (the job contract it shares with the worker).
"""
