"""Global databases: storage-level replication of a primary volume into other regions."""
