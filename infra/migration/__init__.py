"""Bulk export of an old user pool's users as the user import CSV of a new pool.

``python -m infra.migration export --old-pool-id ID --new-pool-id ID [--region R] [--out FILE]
[--dry-run] [--rate N]``. The core, `infra.migration.export.export_users`, takes the pool ids
and a boto3 client factory; see docs/migration.md for the whole migration.
"""
