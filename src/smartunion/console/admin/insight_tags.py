"""Console pages of the data platform: tags."""
