"""The scoped reads of the cases app, one module per part: cases.py, legal_aid.py, counselling.py."""
