"""The REST API: accepts images, queues recovery jobs, reports their state and serves artifacts.

Never imports torch or the model package; only the standard library and the `api` extra.
`service.jobstore` and `service.contract` are also used by the worker (stdlib + redis only).
"""
