"""The database part of the central deployment (deploy/central/README.md, issue #19), tested on PostgreSQL
servers of the test's own (test_postgres.Postgres: initdb in a temporary folder, a free port, fsync off,
stopped and removed at the end) with the real `balie` binary over real HTTP:

- deploy/central/roles.sql: the owner role migrates (`balie migrate`), the instances run as the application
  role, which signs in, writes, erases and purges (the audit trail only through the SECURITY DEFINER
  functions), may not change or remove audit rows, nor the schema; on a schema that is behind it is told to
  migrate as the owner, and starts again once the owner did.
- A streaming replica made with `pg_basebackup -R` follows what Balie writes on the primary and refuses
  writes (a Balie on it starts and reports itself read-only); once promoted, that Balie writes.
- Point-in-time recovery: a base backup and the WAL archive, restored to a named restore point, hold what
  was written before it and not what came after; Balie serves from the restored database.
- deploy/central/balie@.service passes `systemd-analyze verify`, keeps the sandbox of deploy/balie.service,
  and its example environment file starts an instance on the central database.
"""
from __future__ import annotations

import os
import selectors
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

from balie_harness import REPO_ROOT, balie_binary
from test_auth import TIMEOUT, balie_cli
from test_deploy import INSTALLED_BINARY, MAX_EXPOSURE, _require_systemd_analyze, _security_supports_offline, _unit_settings
from test_postgres import PASSWORD, Postgres, free_port, signed_in, write_contact

CENTRAL = REPO_ROOT / "deploy" / "central"
DATABASE = "central"
OWNER, APP, REPLICATION = "balie_owner", "balie_app", "balie_replication"
KIOSK = ("--kiosk", "kiosk-1", "--branch", "west")


def address(server: Postgres, role: str) -> str:
    return f"postgres://{role}@127.0.0.1:{server.port}/{DATABASE}?sslmode=disable"


def psql(server: Postgres, sql: str, role: str = "balie", database: str = DATABASE) -> subprocess.CompletedProcess:
    return subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(server.port), "-U", role, "-d", database, "-X", "-At",
                           "-v", "ON_ERROR_STOP=1", "-c", sql], capture_output=True, text=True, timeout=30)


def value(server: Postgres, sql: str, role: str = "balie") -> str:
    result = psql(server, sql, role)
    assert result.returncode == 0, f"{sql}: {result.stderr}"
    return result.stdout.strip()


def balie(database: str, *args: str, stdin: str | None = None) -> str:
    result = balie_cli(*args, "--database", database, stdin=stdin)
    assert result.returncode == 0, f"balie {' '.join(args)}: {result.stdout}{result.stderr}"
    return result.stdout


def apply_roles(server: Postgres) -> None:
    """roles.sql as the superuser, as the README says (its default names but the database's)."""
    result = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(server.port), "-U", "balie", "-d", "postgres", "-X", "-q",
                             "-v", f"database={DATABASE}", "-f", str(CENTRAL / "roles.sql")],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and "ERROR" not in result.stderr, result.stderr


def import_customer(database: str, folder: Path, number: str, given: str, family: str) -> None:
    people = folder / f"customer-{number}.csv"
    people.write_text("customer_number,given_name,family_name,birth_date,postcode,phone,email,preferred_channel,language\n"
                      f"{number},{given},{family},1948-07-12,2011AB,,,letter,nl\n", encoding="utf-8")
    balie(database, "import", "customers", str(people))


def wait_until(check, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


@pytest.fixture(scope="module")
def cluster():
    """Every PostgreSQL server (and WAL archive folder) of this module, stopped and removed at its end."""
    servers: list[Postgres] = []
    folders: list[Path] = []
    yield servers, folders
    for server in servers:
        try:
            server.stop()
        except subprocess.CalledProcessError:
            pass  # never started, or already stopped
        finally:
            shutil.rmtree(server.folder, ignore_errors=True)
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def primary(cluster, tmp_path_factory):
    """The primary, archiving its WAL; roles.sql applied, migrated by the owner, roles.sql again; a branch, a
    member of staff and an API token, all made by the application role."""
    servers, folders = cluster
    archive = Path(tempfile.mkdtemp(prefix="balie-pg-archive-"))
    folders.append(archive)
    if os.geteuid() == 0:
        shutil.chown(archive, "postgres", "postgres")
    server = Postgres(settings={"wal_level": "replica", "archive_mode": "on", "max_wal_senders": "4",
                                "archive_command": f"test ! -f {archive}/%f && cp %p {archive}/%f"})
    servers.append(server)
    server.archive = archive
    apply_roles(server)
    value(server, f"CREATE ROLE {REPLICATION} LOGIN REPLICATION")
    assert "is at migration p" in balie(address(server, OWNER), "migrate")
    apply_roles(server)
    app = address(server, APP)
    balie(app, "branch", "add", "--code", "west", "--name", "Bibliotheek West")
    balie(app, "staff", "add", "--username", "wim", "--name", "Wim Jansen", "--role", "staff", "--branch", "west",
          stdin=PASSWORD + "\n")
    server.token = balie(app, "token", "add", "--name", "crm", "--scope", "contacts:write", "--scope", "customers:read",
                         "--all-branches").strip()
    server.csv = tmp_path_factory.mktemp("csv")
    return server


def test_the_application_role_serves_erases_and_purges_but_cannot_rewrite_the_audit_trail(primary, start_server):
    app = address(primary, APP)
    import_customer(app, primary.csv, "600001", "Greet", "Bakker")
    server = start_server("--database", app, *KIOSK)
    assert requests.get(server.url("/healthz"), timeout=TIMEOUT).json() == {"status": "ok"}
    wim = signed_in(server, "wim")
    assert wim.get(server.url("/customers/600001"), timeout=TIMEOUT).status_code == 200  # audited: names 600001
    assert write_contact(requests.Session(), server, primary.token, "600001", "roles-contact").status_code == 201
    erased = balie(app, "erase", "customer", "600001", "--reason", "verzoek van de klant aan de balie")
    assert erased.startswith("Erased: 1 contacts") and "audit rows no longer name the customer" in erased, erased
    assert value(primary, "SELECT count(*) FROM customer WHERE number = '600001'") == "0"
    assert value(primary, "SELECT count(*) FROM audit_event WHERE subject = '600001'") == "0"
    assert int(value(primary, "SELECT count(*) FROM audit_event WHERE subject LIKE 'erased-%'")) >= 2
    # An audit row older than any retention period: the purge removes it through balie_purge_audit.
    value(primary, "INSERT INTO audit_event (at, action, origin) VALUES (1, 'signed-in', 'test')", role=APP)
    purged = balie(app, "purge")
    assert "1 audit rows deleted" in purged, purged
    assert value(primary, "SELECT count(*) FROM audit_event WHERE at < 2") == "0"

    # What the application role may not do, straight in psql.
    for statement in ("UPDATE audit_event SET detail = 'changed'", "DELETE FROM audit_event", "TRUNCATE audit_event"):
        refused = psql(primary, statement, role=APP)
        assert refused.returncode != 0 and "permission denied for table audit_event" in refused.stderr, (statement, refused.stderr)
    for statement, table in (("CREATE TABLE mine (id int)", "schema public"),
                             ("ALTER TABLE customer ADD COLUMN extra text", "must be owner"),
                             ("DELETE FROM schema_migration", "permission denied for table schema_migration")):
        refused = psql(primary, statement, role=APP)
        assert refused.returncode != 0 and table in refused.stderr, (statement, refused.stderr)
    for function in ("balie_pseudonymise_audit(text, text)", "balie_purge_audit(double precision)"):
        assert value(primary, f"SELECT has_function_privilege('{APP}', '{function}', 'EXECUTE')") == "t"
    # Erasure's VACUUM of tables it does not own: PostgreSQL 15 skips them with a warning, not an error, which
    # is why the erasure above succeeded (autovacuum, or a vacuum as the owner, removes the dead rows).
    vacuum = psql(primary, "VACUUM customer", role=APP)
    assert vacuum.returncode == 0 and "WARNING" in vacuum.stderr, vacuum.stderr
    # The owner's vacuum that the README schedules does them all; it skips only the server's shared catalogs.
    owners = subprocess.run(["vacuumdb", "-h", "127.0.0.1", "-p", str(primary.port), "-U", OWNER, "-d", DATABASE],
                            capture_output=True, text=True, timeout=60)
    skipped = [line for line in owners.stderr.splitlines() if line.startswith("WARNING")]
    assert owners.returncode == 0 and skipped and all('skipping "pg_' in line for line in skipped), owners.stderr
    assert " 500 " not in server.stderr_text(), server.stderr_text()[-2000:]


def test_on_a_schema_that_is_behind_the_application_role_is_told_to_migrate_as_the_owner(primary):
    """A migration's record and table taken away, as the owner: the application role cannot apply it and says
    so plainly; after `balie migrate` as the owner it starts, and default privileges give it the table that
    migration made again."""
    owner, app = address(primary, OWNER), address(primary, APP)
    value(primary, "DELETE FROM schema_migration WHERE name = 'p5-copied-rows'; DROP TABLE copied_row", role=OWNER)
    refused = balie_cli("serve", "--database", app, "--port", "0")
    said = refused.stdout + refused.stderr
    assert refused.returncode == 1, said
    assert "behind" in said and "p5-copied-rows" in said and APP in said and "balie migrate --database" in said, said
    assert "permission denied for schema public" in said, said
    assert balie(owner, "migrate").strip().endswith(".")
    assert value(primary, "SELECT count(*) FROM schema_migration WHERE name = 'p5-copied-rows'") == "1"
    assert value(primary, f"SELECT has_table_privilege('{APP}', 'copied_row', 'INSERT')") == "t"
    assert "wim\tstaff\twest\tactive" in balie(app, "staff", "list")
    # Without even the right to read the version (roles.sql never run for this database): it says so, too.
    value(primary, f"REVOKE SELECT ON schema_migration FROM {APP}", role=OWNER)
    refused = balie_cli("staff", "list", "--database", app)
    said = refused.stdout + refused.stderr
    assert refused.returncode == 1 and "may not read the schema's version" in said and "roles.sql" in said, said
    apply_roles(primary)
    assert "wim\tstaff\twest\tactive" in balie(app, "staff", "list")


def test_a_streaming_replica_follows_what_balie_writes_and_refuses_writes(primary, cluster, start_server):
    servers, _ = cluster
    replica = Postgres(initdb=False)
    servers.append(replica)
    replica.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", REPLICATION, "-D", str(replica.data),
                "-R", "-X", "stream", "-C", "-S", "balie_replica", "--checkpoint=fast", "--no-sync")
    # Promoted below while the primary goes on: its own timeline must stay out of the primary's archive, which
    # the recovery test reads (in a real failover the old primary is gone and the new one archives there).
    replica.configure({"archive_mode": "off"})
    replica.start()
    app = address(primary, APP)
    import_customer(app, primary.csv, "600010", "Henk", "Visser")
    server = start_server("--database", app, *KIOSK)
    session = requests.Session()
    for n in range(5):
        assert write_contact(session, server, primary.token, "600010", f"replica-{n}").status_code == 201
    assert wait_until(lambda: value(replica, "SELECT count(*) FROM contact WHERE topic LIKE 'replica-%'", role=APP) == "5"), \
        "the replica did not receive the contacts"
    assert value(primary, "SELECT state FROM pg_stat_replication WHERE application_name = 'walreceiver'") == "streaming"
    refused = psql(replica, "INSERT INTO branch (code, name) VALUES ('oost', 'Oost')")
    assert refused.returncode != 0 and "read-only transaction" in refused.stderr, refused.stderr
    # A Balie on the replica starts (a current schema is only read) and says it cannot write.
    reader = start_server("--database", address(replica, APP), *KIOSK)
    health = requests.get(reader.url("/healthz"), timeout=TIMEOUT)
    assert health.status_code == 503 and health.json()["status"] == "database-read-only", health.text
    # Failover: the promoted replica takes writes, and the Balie on it is healthy without a restart.
    assert value(replica, "SELECT pg_promote()") == "t"
    assert wait_until(lambda: requests.get(reader.url("/healthz"), timeout=TIMEOUT).status_code == 200), "not writable after promotion"
    assert write_contact(session, reader, primary.token, "600010", "after-failover").status_code == 201


def test_point_in_time_recovery_to_a_restore_point_keeps_a_and_not_b(primary, cluster, start_server):
    servers, _ = cluster
    restored = Postgres(initdb=False)
    servers.append(restored)
    base = restored.folder / "base"
    restored.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", REPLICATION, "-D", str(base),
                 "-X", "stream", "--checkpoint=fast", "--no-sync")
    app = address(primary, APP)
    import_customer(app, primary.csv, "600020", "Anna", "Voor")
    assert value(primary, "SELECT pg_create_restore_point('before-b') IS NOT NULL") == "t"
    import_customer(app, primary.csv, "600021", "Bram", "Na")
    # The segment with the restore point and B, archived now rather than when it fills.
    segment = value(primary, "SELECT pg_walfile_name(pg_switch_wal())")
    assert wait_until(lambda: (primary.archive / segment).exists()), f"{segment} was not archived"
    # The base backup stays as it was; recovery runs on a copy.
    subprocess.run([*restored.as_user, "cp", "-a", str(base), str(restored.data)], check=True, timeout=60)
    restored.configure({"restore_command": f"cp {primary.archive}/%f %p", "recovery_target_name": "before-b",
                        "recovery_target_action": "promote", "archive_mode": "off"})
    signal_file = restored.data / "recovery.signal"
    signal_file.touch()
    if os.geteuid() == 0:
        shutil.chown(signal_file, "postgres", "postgres")
    restored.start()
    assert wait_until(lambda: value(restored, "SELECT pg_is_in_recovery()") == "f"), "the restored server did not finish recovery"
    assert value(restored, "SELECT count(*) FROM customer WHERE number = '600020'") == "1"
    assert value(restored, "SELECT count(*) FROM customer WHERE number = '600021'") == "0"
    server = start_server("--database", address(restored, APP), *KIOSK)
    assert requests.get(server.url("/healthz"), timeout=TIMEOUT).json() == {"status": "ok"}
    bearer = {"Authorization": f"Bearer {primary.token}"}
    found = requests.get(server.url("/api/v1/customers/600020"), headers=bearer, timeout=TIMEOUT)
    assert found.status_code == 200 and found.json()["family_name"] == "Voor", found.text
    assert requests.get(server.url("/api/v1/customers/600021"), headers=bearer, timeout=TIMEOUT).status_code == 404


def test_the_instance_template_passes_verify_and_keeps_the_sandbox_of_balie_service(tmp_path):
    tool = _require_systemd_analyze()
    text = (CENTRAL / "balie@.service").read_text(encoding="utf-8")
    assert INSTALLED_BINARY in text
    # verify needs the command to exist, and an instance of a template; each instance its own environment file.
    template = tmp_path / "balie@.service"
    template.write_text(text.replace(INSTALLED_BINARY, str(balie_binary())), encoding="utf-8")
    instances = [tmp_path / f"balie@{name}.service" for name in ("a", "b")]
    for instance in instances:
        instance.symlink_to(template.name)
    result = subprocess.run([tool, "verify", *map(str, instances)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"systemd-analyze verify failed:\n{result.stdout}\n{result.stderr}"
    assert not [line for line in result.stderr.splitlines() if "balie@" in line], result.stderr
    settings = _unit_settings("central/balie@.service")
    assert settings["EnvironmentFile"] == ["/etc/balie/central-%i.env"]
    assert settings["ExecStart"] == [f"{INSTALLED_BINARY} serve"]
    single = _unit_settings("balie.service")
    own = {"Description", "Documentation", "EnvironmentFile", "ExecStart", "StateDirectory", "StateDirectoryMode"}
    differs = {key for key in single.keys() - own if single[key] != settings.get(key)}
    assert not differs, f"balie@.service differs from balie.service in {sorted(differs)}"
    if _security_supports_offline(tool):
        rated = subprocess.run([tool, "security", "--offline=true", "--no-pager", str(instances[0])], capture_output=True,
                               text=True, timeout=60)
        exposure = float(rated.stdout.split("Overall exposure level for ")[1].split(":")[1].split()[0])
        assert exposure <= MAX_EXPOSURE, rated.stdout


def test_the_example_environment_file_starts_an_instance_on_the_central_database(primary, tmp_path):
    """central.env.example as systemd would pass it (EnvironmentFile: NAME=value lines), with this test's
    database and a free port: no --database on the command line, as in the unit."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("BALIE_")}
    for line in (CENTRAL / "central.env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, setting = line.partition("=")
            environment[key.strip()] = setting.strip()
    assert environment["BALIE_DATABASE_URL"].startswith(f"postgres://{APP}@")
    port = free_port()
    environment.update(BALIE_DATABASE_URL=address(primary, APP), BALIE_PORT=str(port))
    environment.pop("PGPASSFILE")  # this test's server trusts local connections
    log = tmp_path / "stderr.log"
    with open(log, "wb") as stderr:
        process = subprocess.Popen([str(balie_binary()), "serve"], cwd=REPO_ROOT, env=environment, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=stderr, text=True)
    try:
        ready = selectors.DefaultSelector()
        ready.register(process.stdout, selectors.EVENT_READ)
        first = process.stdout.readline().strip() if ready.select(30) else ""
        assert first == f"Balie listening on http://127.0.0.1:{port}", (first, log.read_text(errors="replace")[-2000:])
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=TIMEOUT).json() == {"status": "ok"}
    finally:
        process.terminate()
        assert process.wait(timeout=20) == 0
