"""Console pages of the data platform: access."""
