"""Machine learning from SQL: a local service for sentiment and model endpoints (docs/ml.md)."""
