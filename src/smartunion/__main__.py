"""The `smartunion` command: every manage.py command, plus `demo` and `seed`."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartunion.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["smartunion", *sys.argv[1:]])


if __name__ == "__main__":
    main()
