"""The database instance: SQLite (APSW) over the shared volume, behind the wire front ends."""
