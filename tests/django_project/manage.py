#!/usr/bin/env python
"""Django's command line for the test project (see tests/test_django.py)."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
    if os.environ.get("AURORA_DJANGO_ENGINE") == "mysql":
        import pymysql  # Django's MySQL backend, on PyMySQL in the place of mysqlclient

        pymysql.install_as_MySQLdb()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
