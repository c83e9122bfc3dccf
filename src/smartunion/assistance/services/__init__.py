"""The writes of the assistance app, one module per workflow: hardship files (hardship.py), programmes, living
standards and thresholds (programmes.py), applications (applications.py), payments (payments.py). Import the
module you need."""
