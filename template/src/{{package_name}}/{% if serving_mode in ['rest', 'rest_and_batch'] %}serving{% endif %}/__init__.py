"""Online serving of the champion model, and of a challenger beside it.

``app`` builds the FastAPI application and ``schemas`` its request and response models.
``slots`` loads the champion and the challenger and swaps them without restart; ``routing``
decides which one answers a request, and ``shadow`` scores the challenger beside the champion.
``request_id`` gives each request its id and routing key, and ``limits`` bounds request bodies.
``metrics``, ``collectors`` and ``distribution`` hold the Prometheus metrics. ``cli`` holds the
``serve`` command that runs the service on uvicorn, ``challenger_cli`` the ``challenger``
commands that set the registry's challenger alias.
"""
