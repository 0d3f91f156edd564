"""pkcs11 layer of eidlib."""
