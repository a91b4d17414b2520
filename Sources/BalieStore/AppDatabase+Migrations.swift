import GRDB

extension AppDatabase {
    /// The schema, one named migration at a time. A migration never changes once released: a change
    /// of schema is a new migration at the end.
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-foundation") { db in
            try db.execute(sql: """
                CREATE TABLE secret (
                    name TEXT PRIMARY KEY NOT NULL,
                    value BLOB NOT NULL CHECK (length(value) >= 16)
                ) STRICT;
                CREATE TABLE staff_call (
                    id INTEGER PRIMARY KEY,
                    kiosk TEXT NOT NULL CHECK (length(kiosk) BETWEEN 1 AND 100),
                    task_group TEXT CHECK (task_group IN ('digital-government', 'banking', 'library-learning', 'other')),
                    at REAL NOT NULL
                ) STRICT;
                CREATE INDEX staff_call_at ON staff_call(at);
                """)
        }
        migrator.registerMigration("v2-staff") { db in
            try db.execute(sql: """
                CREATE TABLE staff (
                    id INTEGER PRIMARY KEY,
                    username TEXT NOT NULL UNIQUE CHECK (length(username) BETWEEN 2 AND 64),
                    full_name TEXT NOT NULL CHECK (length(full_name) BETWEEN 1 AND 100),
                    role TEXT NOT NULL CHECK (role IN ('staff', 'supervisor', 'remote', 'admin')),
                    branch TEXT CHECK (branch IS NULL OR length(branch) BETWEEN 1 AND 64),
                    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
                    password_hash TEXT NOT NULL CHECK (password_hash LIKE '$argon2id$%')
                ) STRICT;
                CREATE TABLE staff_session (
                    token_hash TEXT PRIMARY KEY NOT NULL CHECK (length(token_hash) = 64),
                    staff_id INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
                    created_at REAL NOT NULL,
                    last_seen_at REAL NOT NULL,
                    client_address TEXT NOT NULL
                ) STRICT;
                CREATE INDEX staff_session_staff ON staff_session(staff_id);
                CREATE TABLE sign_in_failure (
                    id INTEGER PRIMARY KEY,
                    username TEXT NOT NULL,
                    client_address TEXT NOT NULL,
                    at REAL NOT NULL
                ) STRICT;
                CREATE INDEX sign_in_failure_username ON sign_in_failure(username, at);
                CREATE INDEX sign_in_failure_address ON sign_in_failure(client_address, at);
                CREATE TABLE audit_event (
                    id INTEGER PRIMARY KEY,
                    at REAL NOT NULL,
                    action TEXT NOT NULL,
                    actor_id INTEGER REFERENCES staff(id) ON DELETE SET NULL,
                    subject TEXT,
                    origin TEXT NOT NULL,
                    detail TEXT
                ) STRICT;
                CREATE INDEX audit_event_at ON audit_event(at);
                """)
        }
        return migrator
    }()
}
