"""Facts of the BELPIC card shared by the host library and the virtual card: the only home of byte layouts.

Pure data, no imports from the rest of eidlib, so ``eidlib.card``, ``eidlib.pkcs11`` and
``eidlib.emulator`` all use one copy:

* ``ins`` — class and instruction bytes (and their names for traces), P1-P2 of MSE and PSO;
* ``files`` — AIDs, file ids and paths (:class:`~eidlib.belpic.files.CardFile`), file sizes, READ chunk;
* ``atr`` — the ATRs and how to recognise them;
* ``keys`` — key references, RSA/ECDSA/INTERNAL AUTHENTICATE algorithm references;
* ``pin`` — PIN limits, tries, reference and the format-2 PIN block;
* ``card_data`` — the GET CARD DATA layout and the life cycle;
* ``status`` — BELPIC and PIN-pad status words and their meanings (``eidlib.apdu`` knows ISO 7816 only);
* ``tlv`` / ``der`` — the Fedict TLV codec and the DER length reader;
* ``hashes`` — :class:`~eidlib.belpic.hashes.HashAlgorithm` (size, DigestInfo, ``cryptography`` class);
* ``tags`` / ``codes`` / ``months`` — identity and address tags, their code tables, month names;
* ``applet`` — :class:`~eidlib.belpic.applet.Applet`, the version facts read once from card data.
"""
