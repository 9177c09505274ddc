"""MySQL's SQL dialect on the PostgreSQL session: translation, SHOW, information_schema.

Construct one :class:`MySqlSession` per MySQL client connection; it opens the PostgreSQL
:class:`aurora.engine.sql.Session` of each database it uses through ``open_session``. See
``DESIGN.md`` in this folder for the choices and their costs.
"""

from aurora.engine.sql.mysql.session import MySqlSession

__all__ = ["MySqlSession"]
