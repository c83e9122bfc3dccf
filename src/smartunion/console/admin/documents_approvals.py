"""Console pages of the office platform: the approvals part."""
