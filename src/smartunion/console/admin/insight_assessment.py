"""Console pages of the data platform: assessment."""
