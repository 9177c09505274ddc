"""The PostgreSQL v3 wire protocol, server side (asyncio; SCRAM through scramp)."""
