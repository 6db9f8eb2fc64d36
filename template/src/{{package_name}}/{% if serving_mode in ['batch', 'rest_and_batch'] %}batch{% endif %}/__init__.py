"""Batch scoring: chunked Parquet-to-Parquet predictions with the champion (``score``), the
``batch`` command (``cli``) and a sample input built from the bundled data (``sample``)."""
