"""The ``eid`` command line tool."""
