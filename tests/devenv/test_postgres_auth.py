"""The local PostgreSQL asks every role for its password, and the hub is no superuser (issue 9)."""

from __future__ import annotations

import stat

import psycopg
import pytest

from jaring.warehouse import db
from jaring_dev.postgres import ADMIN, HUB, LocalPostgres


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    import tempfile
    from pathlib import Path

    root = Path(tempfile.mkdtemp(prefix="jaring-auth-"))
    root.chmod(0o755)  # the server runs as `postgres` when we are root
    pg = LocalPostgres(root / "pg")
    pg.start()
    yield pg
    pg.destroy()


def test_no_connection_without_the_password(cluster, monkeypatch, tmp_path):
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
    for role in (ADMIN, HUB, "dinsos_ro"):
        with pytest.raises(psycopg.OperationalError, match="password"):
            psycopg.connect(f"postgresql://{role}@127.0.0.1:{cluster.port}/postgres", connect_timeout=5).close()
        with pytest.raises(psycopg.OperationalError, match="password"):
            psycopg.connect(f"postgresql://{role}:wrong@127.0.0.1:{cluster.port}/postgres", connect_timeout=5).close()
    hba = (cluster.data_dir / "pg_hba.conf").read_text()
    assert "trust" not in hba.replace("# ", "") and "scram-sha-256" in hba
    assert stat.S_IMODE(cluster.passfile.stat().st_mode) == 0o600


def test_the_hub_owns_its_warehouse_without_being_a_superuser(cluster):
    cluster.ensure_database("jaring", owner=HUB)
    with psycopg.connect(cluster.dsn("jaring", user=HUB)) as conn:
        assert conn.execute("SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles "
                            "WHERE rolname = current_user").fetchone() == (False, False, False)
        db.migrate(conn)  # what `jaring db migrate` does: the owner needs nothing more
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE ROLE intruder")
    with psycopg.connect(cluster.dsn()) as conn:
        assert conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone() == (True,)


def test_the_read_only_role_still_reads_the_simulated_dtsen(cluster):
    from simulate.tiny_world import build

    from jaring_sim import dtsen_db

    cluster.ensure_database("dtsen")
    world = build(cluster.root.parent / "world")
    dtsen_db.load(world.dir, cluster.dsn("dtsen"), readonly_role="dinsos_ro")
    with psycopg.connect(cluster.dsn("dtsen", user="dinsos_ro")) as conn:
        assert conn.execute("SELECT count(*) FROM dtsen.individu").fetchone()[0] > 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM dtsen.periode")


def test_a_cluster_made_with_trust_is_given_passwords_on_its_next_start(tmp_path_factory):
    import tempfile
    from pathlib import Path

    root = Path(tempfile.mkdtemp(prefix="jaring-legacy-"))
    root.chmod(0o755)
    pg = LocalPostgres(root / "pg")
    try:
        pg.start()
        pg.stop()
        # what clusters made before passwords look like: trust, and `jaring` its superuser
        (pg.data_dir / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        pg.start()
        with psycopg.connect(pg.dsn(), autocommit=True) as conn:
            conn.execute(f'ALTER ROLE "{HUB}" SUPERUSER PASSWORD NULL')
        pg.stop()
        pg.passfile.unlink()
        pg.start()
        with psycopg.connect(pg.dsn("postgres", user=HUB)) as conn:
            assert conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone() == (False,)
        assert "trust" not in (pg.data_dir / "pg_hba.conf").read_text().replace("# ", "")
    finally:
        pg.destroy()
