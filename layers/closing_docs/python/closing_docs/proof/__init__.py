"""The proof of what is archived: the audit (every planned unit archived, or recorded as having no documents)
and the fixity check (every object still has the SHA-256 its manifest names)."""
