"""The admin console's API: users, jobs, the audit trail, stats and runtime settings, for support and admins."""
