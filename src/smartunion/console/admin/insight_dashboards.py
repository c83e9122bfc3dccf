"""Console pages of the data platform: dashboards."""
