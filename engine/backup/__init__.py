"""Backups: continuous redo and base images in a backup store, snapshots, restore, backtrack."""
