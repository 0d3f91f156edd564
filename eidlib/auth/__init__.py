"""auth layer of eidlib."""
