"""The writes of the cases app, one module per workflow: rights cases (cases.py, with intake.py, deadlines and
statistics), legal aid (legal_aid.py) and counselling (counselling.py). Import the module you need."""
