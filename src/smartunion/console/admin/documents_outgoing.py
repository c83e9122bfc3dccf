"""Console pages of the office platform: the outgoing part."""
