"""The revisions, one a module, applied in order."""
