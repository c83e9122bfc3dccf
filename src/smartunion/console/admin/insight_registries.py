"""Console pages of the data platform: registries."""
