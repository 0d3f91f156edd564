"""The BELPIC applet layer: :class:`~eidlib.card.session.BeidCard` (opened by :func:`eidlib.open_card`).

Modules: ``session`` (the card session over one send path), ``quirks`` (card and middleware
quirks as send-path processors), ``status`` (status word → error, one table), ``commands``
(the APDUs), ``signing`` (signing plans), ``pin``/``pinpad`` (PIN blocks, PC/SC part 10),
``errors`` (applet-only errors). The byte layouts are :mod:`eidlib.belpic`, card-data parsing
:mod:`eidlib.carddata`, the Token protocol, PIN rule and PIN errors :mod:`eidlib.token`.
Nothing here imports the virtual card.
"""
