"""card layer of eidlib."""
