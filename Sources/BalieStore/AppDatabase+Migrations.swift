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
        return migrator
    }()
}
