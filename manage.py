#!/usr/bin/env python
"""Django's manage.py; the `smartunion` console script does the same."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from smartunion.__main__ import main  # noqa: E402

if __name__ == "__main__":
    main()
