-- Balie's central database: the roles and their rights (deploy/central/README.md, tested by
-- Tests/e2e/test_central_database.py).
--
--   balie_owner  owns the database and the schema; only it migrates (`balie migrate --database postgres://balie_owner@…`).
--   balie_app    what the `balie serve` instances connect as: reads and writes rows, never changes the schema, cannot
--                change or remove audit rows (only through the two SECURITY DEFINER functions erasure and the
--                retention purge call), reads the version table only.
--
-- Run as a superuser, connected to any database of the server:
--     psql -v ON_ERROR_STOP=1 -f roles.sql              (names: -v owner=… -v app=… -v database=…)
-- It can be run again at any time and changes nothing that is already so. Run it once before the first
-- `balie migrate` (it makes the roles and the database) and once more after every `balie migrate`: the grants
-- below cover the tables that exist when it runs. Default privileges give the application role the new tables
-- of a later migration already, so instances keep working if the second run is forgotten; the second run is
-- what takes UPDATE and DELETE on audit_event away from it again (the table's trigger refuses them anyway).
-- Passwords are not set here: `\password balie_app` in psql, or certificate authentication in pg_hba.conf.

\set ON_ERROR_STOP on
\if :{?owner}
\else
    \set owner balie_owner
\endif
\if :{?app}
\else
    \set app balie_app
\endif
\if :{?database}
\else
    \set database balie
\endif

SELECT format('CREATE ROLE %I LOGIN', :'owner') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN', :'app') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app') \gexec
-- The owner of the database owns its public schema too (pg_database_owner, PostgreSQL 15): it may create tables there.
SELECT format('CREATE DATABASE %I OWNER %I ENCODING ''UTF8''', :'database', :'owner')
    WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \gexec
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"database" TO :"app";

\connect :database
-- Only the owner creates objects; the application role may use what is in the schema.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";

-- What exists now (after a migration).
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app";
-- The SECURITY DEFINER functions balie_pseudonymise_audit and balie_purge_audit, the only way to change audit rows.
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO :"app";
SELECT format('REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM %I', :'app')
    WHERE to_regclass('public.audit_event') IS NOT NULL \gexec
-- The schema's version is the owner's to write; instances read it to see that the schema is current.
SELECT format('REVOKE INSERT, UPDATE, DELETE ON schema_migration FROM %I', :'app')
    WHERE to_regclass('public.schema_migration') IS NOT NULL \gexec

-- What later migrations of the owner create.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO :"app";
