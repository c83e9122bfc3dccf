"""Console pages of the data platform: open."""
