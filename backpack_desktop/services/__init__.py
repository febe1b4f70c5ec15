"""Synchronous services (network, storage, documents). No Qt: ``ui`` runs them off the GUI thread."""
