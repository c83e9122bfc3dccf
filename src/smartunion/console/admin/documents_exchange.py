"""Console pages of the office platform: the exchange part."""
