"""The shared-storage volume: storage nodes, protection groups, quorum, epochs, clones."""
