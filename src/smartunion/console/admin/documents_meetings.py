"""Console pages of the office platform: the meetings part."""
