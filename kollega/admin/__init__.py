"""Administration: accounts, roles, leaders and the audit log (admins only)."""
