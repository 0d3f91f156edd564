"""x509 layer of eidlib."""
