"""Online serving of the champion model.

``app`` builds the FastAPI application, ``schemas`` its request and response models, ``metrics``
and ``limits`` its Prometheus metrics and body size limit, and ``cli`` the ``serve`` command that
runs it on uvicorn.
"""
