"""Training: fit the estimator, evaluate it, and decide whether it may become the champion."""
