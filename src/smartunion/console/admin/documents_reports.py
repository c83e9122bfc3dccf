"""Console pages of the office platform: the reports part."""
