"""Facts of the BELPIC card shared by the host library and the virtual card.

Pure data, no imports from the rest of eidlib, so ``eidlib.card``, ``eidlib.pkcs11`` and
``eidlib.emulator`` all use one copy: the identity/address TLV tags (``tags``), their code
tables (``codes``) and the PKCS#1 DigestInfo prefixes of algorithm ``01`` (``digestinfo``).
"""
