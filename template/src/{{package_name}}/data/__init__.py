"""Data: ingestion of the sample data set and the schema every table must satisfy."""
