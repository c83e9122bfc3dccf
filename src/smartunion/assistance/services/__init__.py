"""The writes of the assistance app, one module per workflow: hardship files, programmes and applications,
payments. Import the module you need."""
