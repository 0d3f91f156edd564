"""The BELPIC applet layer: :class:`~eidlib.card.session.BeidCard` (opened by :func:`eidlib.open_card`).

Modules: ``session`` (the card session), ``pin``/``pinpad`` (PIN blocks, PC/SC part 10),
``signing`` (algorithm references), ``commands``/``files``/``atr`` (APDUs, file paths, ATRs),
``errors`` (applet-only errors). Card-data parsing is :mod:`eidlib.carddata`, the Token protocol,
PIN rule and PIN errors are :mod:`eidlib.token`. Nothing here imports the virtual card.
"""
