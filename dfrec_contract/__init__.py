"""What the API, the worker and the client agree on, in one torch-free package.

- `status`: a job's statuses and stages and the table of legal status changes;
- `errors`: the codes of a failed job; `record`, `result`: the stored job and its result;
- `jobstore`, `jobstore_scripts`: the job in Redis, changed only through the table (redis);
- `broker`: the task name and broker options; `settings`: what both processes read;
- `evidence`: the signed manifest (worker signs, client verifies); `noise`: the ensemble's
  `mask_noise` input (numpy); `hashing`: file SHA-256; `production`: production refusals;
- `apikeys`: API keys, tenants, scopes, quotas and the audit list (redis); `webhooks`: callback
  signatures and where callbacks may go; `evidence_keys`: the published public evidence keys.

Importing the package loads nothing; import the modules you need.
"""
