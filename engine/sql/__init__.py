"""PostgreSQL SQL on SQLite: translation, catalogs and the SqlSession of an instance."""
