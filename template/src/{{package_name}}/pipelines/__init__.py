"""Pipelines: the training steps as file-passing units, and the orchestrator that runs them."""
