"""PostgreSQL SQL on SQLite: translation, catalogs and the SqlSession of an instance.

Construct one :class:`Session` per client connection on an ``apsw.Connection``; see
:mod:`aurora.engine.sql.session` for its options and the callbacks it takes.
"""

from aurora.engine.sql.session import Session

__all__ = ["Session"]
