"""Batch scoring with the champion model.

``score`` scores a Parquet file into another in bounded memory, ``cli`` is the ``batch`` command
and ``sample`` writes a sample input built from the bundled data.
"""
