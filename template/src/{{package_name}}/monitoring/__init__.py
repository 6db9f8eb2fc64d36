"""Monitoring: drift detection, prediction logging and the champion/challenger analysis."""
