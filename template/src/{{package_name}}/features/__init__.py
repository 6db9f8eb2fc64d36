"""Feature engineering: from a validated table to model-ready arrays."""
