"""Roster import and export: a union's members from Excel, checked in a dry run, then written in bulk.

The flow, each step a background job (members/tasks.py):

* ``create_job`` stores the upload (status queued) for a union the cadre manages and schedules ``validate_job``.
* ``validate_job`` reads the sheet, checks every row, matches people by the blind index of their ID number
  (1000 at a time) and classifies each row: create, update, unchanged, conflict (an active member of another
  union, never moved) or rejected. Counts, the first errors and the full error list (a JSON file next to the
  upload) are stored; the valid rows are kept encrypted next to the upload and the plaintext upload is deleted.
  Nothing else is written.
* ``request_commit`` schedules ``commit_job``, which matches the rows again (a person who joined another union
  meanwhile becomes a conflict) and writes people, memberships, member cards and history rows with
  core.bulk.insert_rows, one transaction (and one progress update) per 10,000 rows, with card numbers allocated in
  one call per job. A batch that meets someone else's write (a person registered meanwhile) is matched again.

Re-importing the same file finds every row unchanged and writes nothing.

A running job writes ``heartbeat_at`` at each batch (compare-and-set, so a run that lost its job stops). A job whose
heartbeat is older than JOB_STALE_MINUTES died with its process: ``mark_stale_jobs`` marks it failed. A failed dry
run is started again from its upload (``restart_job``); a failed commit is resumed (``resume_job``): the rows written
by its committed batches match again as unchanged, so nobody is written twice.

The package, by concern: checks (columns, reading the sheet with core.xlsx, checking each row), matching (rows
against the people registered), writer (the bulk writer; ids from core.bulk, cards from members.cards), jobs (the
upload, dry run, commit and their heartbeats), templates (the template and error-list workbooks), export.
"""

from smartunion.core.xlsx import XLSX, WorkbookError
from smartunion.members.roster.checks import (
    CODE_COLUMNS,
    COLUMNS,
    REQUIRED,
    SHEET_NAME,
    Row,
    RowChecker,
    code_lookup,
    read_roster,
)
from smartunion.members.roster.export import EXPORT_COLUMNS, export_roster, roster_queryset
from smartunion.members.roster.jobs import (
    ImportStateError,
    all_errors,
    can_restart,
    can_resume,
    check_upload,
    commit_job,
    create_job,
    dry_run,
    importable_unions,
    mark_stale_jobs,
    request_commit,
    restart_job,
    resume_job,
    validate_job,
)
from smartunion.members.roster.matching import CONFLICT, CREATE, MISMATCH, UNCHANGED, UPDATE, Plan, match_rows
from smartunion.members.roster.templates import errors_workbook, template_workbook

__all__ = [
    "CODE_COLUMNS",
    "COLUMNS",
    "CONFLICT",
    "CREATE",
    "EXPORT_COLUMNS",
    "MISMATCH",
    "REQUIRED",
    "SHEET_NAME",
    "UNCHANGED",
    "UPDATE",
    "XLSX",
    "ImportStateError",
    "Plan",
    "Row",
    "RowChecker",
    "WorkbookError",
    "all_errors",
    "can_restart",
    "can_resume",
    "check_upload",
    "code_lookup",
    "commit_job",
    "create_job",
    "dry_run",
    "errors_workbook",
    "export_roster",
    "importable_unions",
    "mark_stale_jobs",
    "match_rows",
    "read_roster",
    "request_commit",
    "restart_job",
    "resume_job",
    "roster_queryset",
    "template_workbook",
    "validate_job",
]
