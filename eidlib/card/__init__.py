"""The BELPIC applet layer: :class:`~eidlib.card.session.BeidCard` and :func:`~eidlib.card.session.open_card`.

Modules: ``session`` (the card session), ``identity``/``address``/``carddata`` (parsed card data),
``integrity`` (RRN signatures and hashes), ``pin``/``pinpad`` (PIN blocks, PC/SC part 10),
``signing`` (algorithm references), ``commands``/``files``/``atr`` (APDUs, file paths, ATRs),
``tlv``/``dates``/``der`` (encodings), ``token`` (the :class:`Token` protocol), ``errors``.
Nothing here imports the virtual card (``eidlib.emulator``) at import time.
"""
