"""The control plane: aurorad, cluster metadata, endpoints, and the client the CLI and dashboard use."""
