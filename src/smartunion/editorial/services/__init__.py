"""The writes of the editorial app, one module per part: words.py (the sensitive-word list). Import the module."""
