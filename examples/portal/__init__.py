"""A CSAM-style login portal (Flask) using eidlib's Web eID validator. See ``app.create_app``."""
