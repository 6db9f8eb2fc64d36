"""Online serving: the FastAPI application (``app``), its schemas, metrics and limits, and the
``serve`` command that runs it on uvicorn."""
