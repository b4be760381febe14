"""The durable job queue on the `jobs` table and the worker loop that runs it. It knows no feature:
features write handlers (e.g. `uploads/tasks.py`) and `verae.worker` hands them to the worker."""
