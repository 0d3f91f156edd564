"""Facts of the BELPIC card shared by the host library and the virtual card: TLV tags and code tables.

Pure data, no imports from the rest of eidlib: ``eidlib.card`` and ``eidlib.emulator`` both use it.
"""
