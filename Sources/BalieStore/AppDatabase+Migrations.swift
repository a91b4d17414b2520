import BalieCore
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
        migrator.registerMigration("v3-customers") { db in
            try db.execute(sql: """
                CREATE TABLE customer (
                    id INTEGER PRIMARY KEY,
                    number TEXT NOT NULL UNIQUE CHECK (length(number) BETWEEN 1 AND 32),
                    given_name TEXT NOT NULL CHECK (length(given_name) BETWEEN 1 AND 100),
                    family_name TEXT NOT NULL CHECK (length(family_name) BETWEEN 1 AND 100),
                    birth_date TEXT CHECK (birth_date IS NULL OR birth_date GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),
                    postcode TEXT CHECK (postcode IS NULL OR length(postcode) <= 10),
                    phone TEXT CHECK (phone IS NULL OR length(phone) <= 20),
                    email TEXT CHECK (email IS NULL OR length(email) <= 254),
                    preferred_channel TEXT CHECK (preferred_channel IN ('phone', 'letter', 'email', 'app', 'in-person')),
                    language TEXT CHECK (language IS NULL OR length(language) = 2),
                    accessibility_needs TEXT NOT NULL DEFAULT '',
                    form_of_address TEXT NOT NULL DEFAULT 'full-name'
                        CHECK (form_of_address IN ('female', 'male', 'given-name', 'full-name')),
                    note TEXT CHECK (note IS NULL OR length(note) <= 2000),
                    -- Given and family name folded for search (SearchText.fold), kept by the store.
                    search_name TEXT NOT NULL DEFAULT ''
                ) STRICT;
                CREATE INDEX customer_postcode_birth_date ON customer(postcode, birth_date);
                CREATE INDEX customer_family_name ON customer(family_name, given_name);

                -- Names for prefix search over the folded names ("vries" finds "Vriës", "yilmaz" finds "Yılmaz").
                CREATE VIRTUAL TABLE customer_name USING fts5(
                    search_name, content='customer', content_rowid='id', tokenize = 'unicode61 remove_diacritics 2');
                CREATE TRIGGER customer_name_insert AFTER INSERT ON customer BEGIN
                    INSERT INTO customer_name(rowid, search_name) VALUES (new.id, new.search_name);
                END;
                CREATE TRIGGER customer_name_delete AFTER DELETE ON customer BEGIN
                    INSERT INTO customer_name(customer_name, rowid, search_name) VALUES ('delete', old.id, old.search_name);
                END;
                CREATE TRIGGER customer_name_update AFTER UPDATE OF search_name ON customer BEGIN
                    INSERT INTO customer_name(customer_name, rowid, search_name) VALUES ('delete', old.id, old.search_name);
                    INSERT INTO customer_name(rowid, search_name) VALUES (new.id, new.search_name);
                END;

                CREATE TABLE contact (
                    id INTEGER PRIMARY KEY,
                    customer_id INTEGER NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
                    channel TEXT NOT NULL CHECK (channel IN ('phone', 'email', 'chat', 'app', 'web', 'letter', 'branch',
                                                             'kiosk-assisted', 'remote-assisted')),
                    at REAL NOT NULL,
                    topic TEXT NOT NULL CHECK (length(topic) BETWEEN 1 AND 200),
                    summary TEXT NOT NULL CHECK (length(summary) <= 2000),
                    outcome TEXT NOT NULL CHECK (length(outcome) <= 200),
                    source_system TEXT NOT NULL,
                    UNIQUE (customer_id, channel, at, topic)
                ) STRICT;
                CREATE INDEX contact_customer_at ON contact(customer_id, at DESC);

                CREATE TABLE consent (
                    id INTEGER PRIMARY KEY,
                    customer_id INTEGER NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
                    purpose TEXT NOT NULL CHECK (purpose IN ('session-log', 'remote-viewing', 'follow-up', 'partner-sharing')),
                    given INTEGER NOT NULL CHECK (given IN (0, 1)),
                    at REAL NOT NULL,
                    recorded_by INTEGER REFERENCES staff(id),
                    method TEXT NOT NULL CHECK (method IN ('in-person', 'on-screen', 'paper', 'phone'))
                ) STRICT;
                CREATE INDEX consent_customer_purpose ON consent(customer_id, purpose, at);

                CREATE TABLE message (
                    id INTEGER PRIMARY KEY,
                    customer_id INTEGER NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
                    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
                    sent_at REAL NOT NULL,
                    important INTEGER NOT NULL CHECK (important IN (0, 1)),
                    read INTEGER NOT NULL CHECK (read IN (0, 1))
                ) STRICT;
                CREATE INDEX message_customer ON message(customer_id, read, important);

                CREATE TABLE follow_up (
                    id INTEGER PRIMARY KEY,
                    customer_id INTEGER NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
                    description TEXT NOT NULL CHECK (length(description) BETWEEN 1 AND 500),
                    due REAL NOT NULL,
                    channel TEXT NOT NULL CHECK (channel IN ('phone', 'letter', 'email', 'app', 'in-person')),
                    done INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1))
                ) STRICT;
                CREATE INDEX follow_up_customer ON follow_up(customer_id, done, due);

                -- Who looked, and in which role and why; the trail can only grow.
                ALTER TABLE audit_event ADD COLUMN actor_role TEXT;
                ALTER TABLE audit_event ADD COLUMN reason TEXT;
                CREATE INDEX audit_event_subject ON audit_event(subject);
                CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event BEGIN
                    SELECT RAISE(ABORT, 'the audit trail can only be appended to');
                END;
                CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event BEGIN
                    SELECT RAISE(ABORT, 'the audit trail can only be appended to');
                END;
                """)
        }
        migrator.registerMigration("v4-sessions") { db in
            try db.execute(sql: """
                CREATE TABLE assisted_session (
                    id INTEGER PRIMARY KEY,
                    customer_id INTEGER REFERENCES customer(id) ON DELETE SET NULL,
                    staff_id INTEGER NOT NULL REFERENCES staff(id),
                    kiosk TEXT NOT NULL,
                    started_at REAL NOT NULL,
                    finished_at REAL,
                    waiting_seconds INTEGER CHECK (waiting_seconds IS NULL OR waiting_seconds >= 0),
                    phase TEXT NOT NULL CHECK (phase IN ('open', 'customer-feedback', 'closed')),
                    language TEXT NOT NULL CHECK (length(language) = 2),
                    effort_score INTEGER CHECK (effort_score IS NULL OR effort_score BETWEEN 1 AND 7),
                    self_reliance TEXT CHECK (self_reliance IS NULL OR self_reliance IN ('yes', 'with-a-little-help', 'not-yet')),
                    channel_advice TEXT CHECK (channel_advice IS NULL OR channel_advice IN ('phone', 'letter', 'email', 'app', 'in-person'))
                ) STRICT;
                CREATE INDEX assisted_session_phase ON assisted_session(phase, started_at);
                CREATE INDEX assisted_session_customer ON assisted_session(customer_id, started_at);
                CREATE TABLE session_task (
                    id INTEGER PRIMARY KEY,
                    session_id INTEGER NOT NULL REFERENCES assisted_session(id) ON DELETE CASCADE,
                    task_id TEXT NOT NULL,
                    task_group TEXT NOT NULL,
                    names TEXT NOT NULL,
                    added_at REAL NOT NULL,
                    outcome TEXT CHECK (outcome IS NULL OR outcome IN ('resolved', 'partly', 'referred', 'follow-up', 'not-possible')),
                    outcome_detail TEXT NOT NULL DEFAULT '',
                    partner TEXT,
                    follow_up_who TEXT,
                    follow_up_due REAL,
                    follow_up_channel TEXT,
                    finished_at REAL
                ) STRICT;
                CREATE INDEX session_task_session ON session_task(session_id);
                CREATE TABLE session_step (
                    id INTEGER PRIMARY KEY,
                    session_id INTEGER NOT NULL REFERENCES assisted_session(id) ON DELETE CASCADE,
                    session_task_id INTEGER NOT NULL REFERENCES session_task(id) ON DELETE CASCADE,
                    description TEXT NOT NULL CHECK (length(description) <= 1000),
                    actor TEXT NOT NULL CHECK (actor IN ('customer-alone', 'customer-with-help', 'staff-on-behalf')),
                    reason TEXT,
                    at REAL NOT NULL
                ) STRICT;
                CREATE INDEX session_step_session ON session_step(session_id);
                CREATE TABLE session_note (
                    id INTEGER PRIMARY KEY,
                    session_id INTEGER NOT NULL REFERENCES assisted_session(id) ON DELETE CASCADE,
                    text TEXT NOT NULL CHECK (length(text) <= 1000),
                    at REAL NOT NULL
                ) STRICT;
                """)
        }
        migrator.registerMigration("v5-api") { db in
            try db.execute(sql: """
                CREATE TABLE api_token (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),
                    token_hash TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
                    scopes TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    revoked_at REAL
                ) STRICT;
                CREATE TABLE idempotent_request (
                    token_id INTEGER NOT NULL REFERENCES api_token(id) ON DELETE CASCADE,
                    key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
                    request_hash TEXT NOT NULL,
                    status INTEGER NOT NULL,
                    body BLOB NOT NULL,
                    created_at REAL NOT NULL,
                    PRIMARY KEY (token_id, key)
                ) STRICT;
                """)
        }
        migrator.registerMigration("v6-queue") { db in
            try db.execute(sql: """
                CREATE TABLE queue_ticket (
                    id INTEGER PRIMARY KEY,
                    branch TEXT NOT NULL,
                    day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
                    number INTEGER NOT NULL CHECK (number >= 1),
                    task_group TEXT NOT NULL CHECK (task_group IN ('digital-government', 'banking', 'library-learning', 'other')),
                    priority INTEGER NOT NULL CHECK (priority IN (0, 1)),
                    status TEXT NOT NULL CHECK (status IN ('waiting', 'called', 'serving', 'done', 'no-show', 'expired')),
                    created_at REAL NOT NULL,
                    called_at REAL,
                    called_by INTEGER REFERENCES staff(id),
                    desk TEXT,
                    session_id INTEGER REFERENCES assisted_session(id) ON DELETE SET NULL,
                    finished_at REAL,
                    UNIQUE (branch, day, number)
                ) STRICT;
                CREATE INDEX queue_ticket_waiting ON queue_ticket(branch, day, status, priority DESC, created_at);
                """)
        }
        migrator.registerMigration("v7-ticket-code") { db in
            // The code the customer holds ("B-12") is fixed when the ticket is taken: a transfer to
            // another group must not change it.
            try db.execute(sql: "ALTER TABLE queue_ticket ADD COLUMN code TEXT")
        }
        migrator.registerMigration("v8-audit-viewer") { db in
            // The audit viewer filters by who acted; subject and time have their indexes already.
            try db.execute(sql: "CREATE INDEX audit_event_actor ON audit_event(actor_id)")
        }
        migrator.registerMigration("v9-remote-help") { db in
            try db.execute(sql: """
                CREATE TABLE help_request (
                    id INTEGER PRIMARY KEY,
                    kiosk TEXT NOT NULL,
                    branch TEXT NOT NULL,
                    topic TEXT NOT NULL CHECK (length(topic) <= 200),
                    session_id INTEGER REFERENCES assisted_session(id) ON DELETE SET NULL,
                    requested_by INTEGER REFERENCES staff(id),
                    requester_key TEXT CHECK (requester_key IS NULL OR length(requester_key) = 64),
                    language TEXT NOT NULL CHECK (length(language) = 2),
                    status TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'active', 'declined', 'ended', 'cancelled')),
                    created_at REAL NOT NULL,
                    helper_id INTEGER REFERENCES staff(id),
                    accepted_at REAL,
                    answered_at REAL,
                    ended_at REAL,
                    ended_by TEXT CHECK (ended_by IS NULL OR ended_by IN ('customer', 'helper', 'kiosk', 'consent-withdrawn'))
                ) STRICT;
                CREATE INDEX help_request_status ON help_request(status, created_at);
                CREATE INDEX help_request_session ON help_request(session_id);
                CREATE INDEX help_request_helper ON help_request(helper_id, status);
                -- The request's log: every view and action of the remote colleague, and the customer's answers.
                CREATE TABLE help_event (
                    id INTEGER PRIMARY KEY,
                    help_request_id INTEGER NOT NULL REFERENCES help_request(id) ON DELETE CASCADE,
                    at REAL NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('requested', 'accepted', 'consent-given', 'consent-refused', 'viewed', 'message',
                                                       'step', 'note', 'ended', 'cancelled')),
                    actor_id INTEGER REFERENCES staff(id),
                    text TEXT NOT NULL DEFAULT '' CHECK (length(text) <= 1000)
                ) STRICT;
                CREATE INDEX help_event_request ON help_event(help_request_id, id);
                """)
        }
        migrator.registerMigration("v10-insights") { db in
            // Figures the supervisor insights need that must survive anonymisation and erasure.
            try db.execute(sql: """
                ALTER TABLE session_task ADD COLUMN earlier_visits INTEGER CHECK (earlier_visits IS NULL OR earlier_visits >= 0);
                ALTER TABLE assisted_session ADD COLUMN messages_read INTEGER NOT NULL DEFAULT 0 CHECK (messages_read >= 0);
                CREATE INDEX assisted_session_started ON assisted_session(started_at);
                """)
        }
        migrator.registerMigration("v11-name-prefix-index") { db in
            // Prefix indexes of 2, 3 and 4 letters: "fatma yil" on a million customers in about 2 ms at p99
            // instead of 13 (bench/search). The index is rebuilt from the customer table.
            try db.execute(sql: """
                DROP TABLE customer_name;
                CREATE VIRTUAL TABLE customer_name USING fts5(
                    search_name, content='customer', content_rowid='id', tokenize = 'unicode61 remove_diacritics 2',
                    prefix = '2 3 4');
                INSERT INTO customer_name(customer_name) VALUES ('rebuild');
                """)
        }
        migrator.registerMigration("v12-branches-and-kiosks") { db in
            try db.execute(sql: """
                CREATE TABLE branch (
                    id INTEGER PRIMARY KEY,
                    code TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 2 AND 32),
                    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
                    time_zone TEXT NOT NULL DEFAULT 'Europe/Amsterdam' CHECK (length(time_zone) BETWEEN 1 AND 64),
                    opening_hours TEXT NOT NULL DEFAULT '',
                    closures TEXT NOT NULL DEFAULT ''
                ) STRICT;
                CREATE TABLE kiosk (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
                    branch TEXT NOT NULL REFERENCES branch(code) ON UPDATE CASCADE,
                    kind TEXT NOT NULL CHECK (kind IN ('customer', 'staff-desk', 'display')),
                    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
                    created_at REAL NOT NULL,
                    last_seen_at REAL,
                    UNIQUE (branch, name)
                ) STRICT;
                -- Only hashes: of the device cookie (or the launcher's secret) and of one-time enrolment codes.
                CREATE TABLE kiosk_credential (
                    hash TEXT PRIMARY KEY NOT NULL CHECK (length(hash) = 64),
                    kiosk_id INTEGER NOT NULL REFERENCES kiosk(id) ON DELETE CASCADE,
                    created_at REAL NOT NULL
                ) STRICT;
                CREATE INDEX kiosk_credential_kiosk ON kiosk_credential(kiosk_id);
                CREATE TABLE kiosk_enrolment (
                    code_hash TEXT PRIMARY KEY NOT NULL CHECK (length(code_hash) = 64),
                    kiosk_id INTEGER NOT NULL REFERENCES kiosk(id) ON DELETE CASCADE,
                    created_at REAL NOT NULL,
                    used_at REAL
                ) STRICT;
                CREATE INDEX kiosk_enrolment_kiosk ON kiosk_enrolment(kiosk_id);
                CREATE TABLE staff_branch (
                    staff_id INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
                    branch TEXT NOT NULL REFERENCES branch(code) ON UPDATE CASCADE,
                    PRIMARY KEY (staff_id, branch)
                ) STRICT;
                ALTER TABLE staff ADD COLUMN grants TEXT NOT NULL DEFAULT '';
                ALTER TABLE staff_session ADD COLUMN working_branch TEXT;
                -- Tokens made before branches existed keep reading every branch ('*'); new ones name theirs.
                ALTER TABLE api_token ADD COLUMN branches TEXT NOT NULL DEFAULT '*';
                ALTER TABLE assisted_session ADD COLUMN branch TEXT NOT NULL DEFAULT '';
                ALTER TABLE staff_call ADD COLUMN branch TEXT NOT NULL DEFAULT '';
                ALTER TABLE audit_event ADD COLUMN branch TEXT;
                CREATE INDEX assisted_session_branch ON assisted_session(branch, phase, started_at);
                CREATE INDEX staff_call_branch ON staff_call(branch, at);
                CREATE INDEX help_request_branch ON help_request(branch, status);
                CREATE INDEX audit_event_branch ON audit_event(branch, at);
                """)
            try migrateBranchNames(db)
        }
        // `balie copy --to other.sqlite`: which row of which box became which row here (as PostgreSQL's copied_row).
        migrator.registerMigration("v13-copied-rows") { db in
            try db.execute(sql: """
                CREATE TABLE copied_row (
                    source TEXT NOT NULL,
                    table_name TEXT NOT NULL,
                    source_id INTEGER NOT NULL,
                    target_id INTEGER,
                    PRIMARY KEY (source, table_name, source_id)
                ) STRICT, WITHOUT ROWID;
                """)
        }
        // API tokens expire (issue 21); those made before get a year from their creation, the default of `balie token add`.
        migrator.registerMigration("v14-token-expiry") { db in
            try db.execute(sql: """
                ALTER TABLE api_token ADD COLUMN expires_at REAL NOT NULL DEFAULT 0;
                UPDATE api_token SET expires_at = created_at + 365 * 86400;
                """)
        }
        return migrator
    }()

    /// Branch and kiosk names that were free text become rows: a branch per stored branch name (its code
    /// made from the name), a kiosk per kiosk name stored in sessions, calls and help requests.
    private static func migrateBranchNames(_ db: Database) throws {
        var names = try String.fetchAll(db, sql: """
            SELECT branch FROM staff WHERE branch IS NOT NULL UNION SELECT branch FROM queue_ticket UNION SELECT branch FROM help_request
            """)
        let hasHistory = try Bool.fetchOne(db, sql: """
            SELECT EXISTS (SELECT 1 FROM assisted_session) OR EXISTS (SELECT 1 FROM staff_call) OR EXISTS (SELECT 1 FROM help_request)
            """) ?? false
        if names.isEmpty && hasHistory { names = ["main"] }
        var codes: [String: String] = [:]
        for name in names {
            var code = BranchRules.code(fromName: name), suffix = 2
            while codes.values.contains(code) { code = String(BranchRules.code(fromName: name).prefix(28)) + "-\(suffix)"; suffix += 1 }
            codes[name] = code
            try db.execute(sql: "INSERT INTO branch(code, name) VALUES (?, ?)", arguments: [code, String(name.prefix(100))])
        }
        for (name, code) in codes {
            try db.execute(sql: "INSERT INTO staff_branch(staff_id, branch) SELECT id, ? FROM staff WHERE branch = ?", arguments: [code, name])
            try db.execute(sql: "UPDATE queue_ticket SET branch = ? WHERE branch = ?", arguments: [code, name])
            try db.execute(sql: "UPDATE help_request SET branch = ? WHERE branch = ?", arguments: [code, name])
        }
        // Sessions and calls were made where the one server stood: a help request of the session tells
        // the branch, else the member of staff's branch, else the first branch.
        guard let first = try String.fetchOne(db, sql: "SELECT code FROM branch ORDER BY id LIMIT 1") else { return }
        try db.execute(sql: """
            UPDATE assisted_session SET branch = coalesce(
                (SELECT h.branch FROM help_request h WHERE h.session_id = assisted_session.id LIMIT 1),
                (SELECT sb.branch FROM staff_branch sb WHERE sb.staff_id = assisted_session.staff_id ORDER BY sb.branch LIMIT 1), ?)
            """, arguments: [first])
        try db.execute(sql: "UPDATE staff_call SET branch = ?", arguments: [first])
        try db.execute(sql: """
            INSERT OR IGNORE INTO kiosk(name, branch, kind, created_at)
            SELECT DISTINCT kiosk, branch, 'customer', strftime('%s', 'now') FROM (
                SELECT kiosk, branch FROM assisted_session UNION SELECT kiosk, branch FROM staff_call UNION SELECT kiosk, branch FROM help_request)
            WHERE length(kiosk) BETWEEN 1 AND 64
            """)
    }
}
