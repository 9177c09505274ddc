"""Django 5.2 against a real writer: the project in tests/django_project run by manage.py.

``migrate`` (admin, auth, contenttypes, sessions and the ``shop`` app: foreign keys, a
many-to-many table, decimals, JSON, unique and check constraints, pattern-ops, expression and
partial indexes, a renamed index, a field made unique), ``migrate shop zero`` and back, ``createsuperuser --noinput``, the ORM round trip of
``shop/checks.py`` (bulk_create through unnest, bulk_update, ``.iterator()``, JSON key
lookups, has_key, authenticate) and ``manage.py test`` with a TestCase. Each command is a
subprocess on the writer's DSN; everything runs with psycopg's default client-side binding
and again with ``server_side_binding`` (each in its own database).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from instance_support import Cluster, cluster_fixture, dump_logs  # noqa: F401  (the fixture)

pytest.importorskip("django")

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

PROJECT = Path(__file__).parent / "django_project"


def manage(
    cluster: Cluster, db: str, binding: bool, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``manage.py <args>`` on the writer; fail with its output and the logs if it fails."""
    run_env = {
        **os.environ,
        "AURORA_PG_HOST": "127.0.0.1",
        "AURORA_PG_PORT": str(cluster.writer.port),
        "AURORA_PG_USER": "postgres",
        "AURORA_PG_PASSWORD": cluster.password,
        "AURORA_PG_DB": db,
        "AURORA_PG_TEST_DB": f"test_{db}",
        "AURORA_PG_SERVER_SIDE_BINDING": "1" if binding else "0",
        "DJANGO_SETTINGS_MODULE": "settings",
        **(env or {}),
    }
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env=run_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise AssertionError(
            f"manage.py {' '.join(args)} exited {done.returncode}:\n"
            f"{done.stdout[-3000:]}\n{done.stderr[-6000:]}\n{dump_logs(cluster)}"
        )
    return done


@pytest.mark.parametrize("binding", [False, True], ids=["client-binding", "server-binding"])
def test_django_migrate_orm_and_test_runner(cluster: Cluster, binding: bool) -> None:
    db = "django_ssb" if binding else "django_csb"
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')

    out = manage(cluster, db, binding, "migrate", "--noinput").stdout
    assert "Applying shop.0003_slug_unique_indexes... OK" in out, out
    assert "Applying admin.0001_initial... OK" in out, out

    out = manage(cluster, db, binding, "migrate", "shop", "zero", "--noinput").stdout
    assert "Unapplying shop.0001_initial... OK" in out, out
    # Every app back to zero (contenttypes takes auth and admin with it), then forward again.
    for app in ("sessions", "contenttypes"):
        out = manage(cluster, db, binding, "migrate", app, "zero", "--noinput").stdout
        assert f"Unapplying {app}.0001_initial... OK" in out, out
    with psycopg.connect(cluster.dsn(dbname=db), autocommit=True) as conn:
        left = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
        assert left == [("django_migrations",)], left
    out = manage(cluster, db, binding, "migrate", "--noinput").stdout
    assert "Applying shop.0003_slug_unique_indexes... OK" in out, out
    assert "Applying auth.0012_alter_user_first_name_max_length... OK" in out, out

    manage(
        cluster,
        db,
        binding,
        "createsuperuser",
        "--noinput",
        "--username",
        "admin",
        "--email",
        "admin@example.com",
        env={"DJANGO_SUPERUSER_PASSWORD": "pw-123456"},
    )

    out = manage(cluster, db, binding, "orm_check", "p-").stdout
    for step in (
        "bulk_create",
        "many-to-many",
        "bulk_update",
        "iterator",
        "json lookups",
        "queries",
        "unique constraint",
        "authenticate",
    ):
        assert f"ok {step}" in out, out

    done = manage(cluster, db, binding, "test", "shop", "--noinput")
    assert "Ran 3 tests" in done.stderr and "OK" in done.stderr, done.stderr

    with psycopg.connect(cluster.dsn(dbname=db), autocommit=True) as conn:
        assert conn.execute(
            "SELECT is_superuser FROM auth_user WHERE username = 'admin'"
        ).fetchone() == (True,)
        indexes = dict(
            conn.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'shop_product'"
            ).fetchall()
        )
        assert "product_upper_name_idx" in indexes, indexes
        assert "upper" in indexes["product_upper_name_idx"].lower(), indexes
        assert "product_name_price_ix" in indexes and "product_name_price_idx" not in indexes
        assert indexes["product_in_stock_idx"].endswith('WHERE ("stock" > 0)'), indexes
