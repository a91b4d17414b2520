/// The PostgreSQL schema, as versioned migrations applied in order at start (under an advisory lock, by the
/// migration runner). Each migration runs in one transaction.
///
/// Tables and columns are named, and ordered, as the SQLite schema leaves them after v1…v12, so both stores
/// read alike. Times are Unix seconds in `double precision` (as SQLite's REAL), 0/1 flags are `boolean`, ids
/// are identities. A migration never changes once released: a change of schema is a new migration at the end.
enum PostgresSchema {
    struct Migration { let name: String; let sql: String }

    static let migrations: [Migration] = [
        Migration(name: "p1-schema", sql: """
            CREATE TABLE secret (
                name text PRIMARY KEY,
                value bytea NOT NULL CHECK (octet_length(value) >= 16)
            );

            CREATE TABLE branch (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                code text NOT NULL UNIQUE CHECK (length(code) BETWEEN 2 AND 32),
                name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
                time_zone text NOT NULL DEFAULT 'Europe/Amsterdam' CHECK (length(time_zone) BETWEEN 1 AND 64),
                opening_hours text NOT NULL DEFAULT '',
                closures text NOT NULL DEFAULT ''
            );

            CREATE TABLE staff_call (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                kiosk text NOT NULL CHECK (length(kiosk) BETWEEN 1 AND 100),
                task_group text CHECK (task_group IN ('digital-government', 'banking', 'library-learning', 'other')),
                at double precision NOT NULL,
                branch text NOT NULL DEFAULT ''
            );
            CREATE INDEX staff_call_at ON staff_call (at);
            CREATE INDEX staff_call_branch ON staff_call (branch, at);

            -- branch: the free-text branch of before v12, kept so the columns match SQLite's (staff_branch holds them now).
            CREATE TABLE staff (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                username text NOT NULL UNIQUE CHECK (length(username) BETWEEN 2 AND 64),
                full_name text NOT NULL CHECK (length(full_name) BETWEEN 1 AND 100),
                role text NOT NULL CHECK (role IN ('staff', 'supervisor', 'remote', 'admin')),
                branch text CHECK (branch IS NULL OR length(branch) BETWEEN 1 AND 64),
                active boolean NOT NULL DEFAULT true,
                password_hash text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
                grants text NOT NULL DEFAULT ''
            );
            CREATE TABLE staff_branch (
                staff_id bigint NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
                branch text NOT NULL REFERENCES branch (code) ON UPDATE CASCADE,
                PRIMARY KEY (staff_id, branch)
            );
            CREATE TABLE staff_session (
                token_hash text PRIMARY KEY CHECK (length(token_hash) = 64),
                staff_id bigint NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
                created_at double precision NOT NULL,
                last_seen_at double precision NOT NULL,
                client_address text NOT NULL,
                working_branch text
            );
            CREATE INDEX staff_session_staff ON staff_session (staff_id);
            CREATE TABLE sign_in_failure (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                username text NOT NULL,
                client_address text NOT NULL,
                at double precision NOT NULL
            );
            CREATE INDEX sign_in_failure_username ON sign_in_failure (username, at);
            CREATE INDEX sign_in_failure_address ON sign_in_failure (client_address, at);

            -- Append-only from p3 on (a trigger refuses UPDATE, DELETE and TRUNCATE).
            CREATE TABLE audit_event (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                at double precision NOT NULL,
                action text NOT NULL,
                actor_id bigint REFERENCES staff (id) ON DELETE SET NULL,
                subject text,
                origin text NOT NULL,
                detail text,
                actor_role text,
                reason text,
                branch text
            );
            CREATE INDEX audit_event_at ON audit_event (at);
            CREATE INDEX audit_event_subject ON audit_event (subject);
            CREATE INDEX audit_event_actor ON audit_event (actor_id);
            CREATE INDEX audit_event_branch ON audit_event (branch, at);

            -- search_name: given and family name folded (SearchText.fold), written by the store as in SQLite.
            CREATE TABLE customer (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                number text NOT NULL UNIQUE CHECK (length(number) BETWEEN 1 AND 32),
                given_name text NOT NULL CHECK (length(given_name) BETWEEN 1 AND 100),
                family_name text NOT NULL CHECK (length(family_name) BETWEEN 1 AND 100),
                birth_date text CHECK (birth_date IS NULL OR birth_date ~ '^[12][0-9]{3}-[01][0-9]-[0-3][0-9]$'),
                postcode text CHECK (postcode IS NULL OR length(postcode) <= 10),
                phone text CHECK (phone IS NULL OR length(phone) <= 20),
                email text CHECK (email IS NULL OR length(email) <= 254),
                preferred_channel text CHECK (preferred_channel IN ('phone', 'letter', 'email', 'app', 'in-person')),
                language text CHECK (language IS NULL OR length(language) = 2),
                accessibility_needs text NOT NULL DEFAULT '',
                form_of_address text NOT NULL DEFAULT 'full-name'
                    CHECK (form_of_address IN ('female', 'male', 'given-name', 'full-name')),
                note text CHECK (note IS NULL OR length(note) <= 2000),
                search_name text NOT NULL DEFAULT ''
            );
            CREATE INDEX customer_postcode_birth_date ON customer (postcode, birth_date);
            CREATE INDEX customer_family_name ON customer (family_name, given_name);

            -- In place of SQLite's FTS5 customer_name: one row per word of search_name, so that every word of a query
            -- can be a prefix of any word of the name ("vries" and "de vri" find "Jan de Vriës"), by a btree range
            -- scan in every collation (text_pattern_ops). Kept by the trigger below from search_name alone. It splits
            -- where the query splits (neither letter nor digit) for what names hold: white space and punctuation, and,
            -- named by code because the C locale counts only ASCII as either, the no-break space (160), middle dot
            -- (183), hyphens and dashes (8208-8213) and typographic apostrophes (8216, 8217). A store that writes
            -- the folded words joined by spaces is exact in every locale.
            CREATE TABLE customer_name_word (
                customer_id bigint NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
                word text NOT NULL CHECK (word <> ''),
                PRIMARY KEY (customer_id, word)
            );
            CREATE INDEX customer_name_word_prefix ON customer_name_word (word text_pattern_ops, customer_id);
            CREATE FUNCTION balie_customer_name_words() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'UPDATE' THEN
                    IF NEW.search_name IS NOT DISTINCT FROM OLD.search_name THEN
                        RETURN NULL;
                    END IF;
                    DELETE FROM customer_name_word WHERE customer_id = OLD.id;
                END IF;
                INSERT INTO customer_name_word (customer_id, word)
                SELECT DISTINCT NEW.id, w FROM regexp_split_to_table(NEW.search_name,
                    '[[:space:][:punct:]' || chr(160) || chr(183) || chr(8208) || '-' || chr(8213) || chr(8216) || chr(8217) || ']+') AS w
                WHERE w <> '';
                RETURN NULL;
            END
            $$;
            CREATE TRIGGER customer_name_words AFTER INSERT OR UPDATE OF search_name ON customer
                FOR EACH ROW EXECUTE FUNCTION balie_customer_name_words();

            CREATE TABLE contact (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                customer_id bigint NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
                channel text NOT NULL CHECK (channel IN ('phone', 'email', 'chat', 'app', 'web', 'letter', 'branch',
                                                         'kiosk-assisted', 'remote-assisted')),
                at double precision NOT NULL,
                topic text NOT NULL CHECK (length(topic) BETWEEN 1 AND 200),
                summary text NOT NULL CHECK (length(summary) <= 2000),
                outcome text NOT NULL CHECK (length(outcome) <= 200),
                source_system text NOT NULL,
                UNIQUE (customer_id, channel, at, topic)
            );
            CREATE INDEX contact_customer_at ON contact (customer_id, at DESC);

            CREATE TABLE consent (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                customer_id bigint NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
                purpose text NOT NULL CHECK (purpose IN ('session-log', 'remote-viewing', 'follow-up', 'partner-sharing')),
                given boolean NOT NULL,
                at double precision NOT NULL,
                recorded_by bigint REFERENCES staff (id),
                method text NOT NULL CHECK (method IN ('in-person', 'on-screen', 'paper', 'phone'))
            );
            CREATE INDEX consent_customer_purpose ON consent (customer_id, purpose, at);

            CREATE TABLE message (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                customer_id bigint NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
                title text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
                sent_at double precision NOT NULL,
                important boolean NOT NULL,
                read boolean NOT NULL
            );
            CREATE INDEX message_customer ON message (customer_id, read, important);

            CREATE TABLE follow_up (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                customer_id bigint NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
                description text NOT NULL CHECK (length(description) BETWEEN 1 AND 500),
                due double precision NOT NULL,
                channel text NOT NULL CHECK (channel IN ('phone', 'letter', 'email', 'app', 'in-person')),
                done boolean NOT NULL DEFAULT false
            );
            CREATE INDEX follow_up_customer ON follow_up (customer_id, done, due);

            CREATE TABLE assisted_session (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                customer_id bigint REFERENCES customer (id) ON DELETE SET NULL,
                staff_id bigint NOT NULL REFERENCES staff (id),
                kiosk text NOT NULL,
                started_at double precision NOT NULL,
                finished_at double precision,
                waiting_seconds integer CHECK (waiting_seconds IS NULL OR waiting_seconds >= 0),
                phase text NOT NULL CHECK (phase IN ('open', 'customer-feedback', 'closed')),
                language text NOT NULL CHECK (length(language) = 2),
                effort_score integer CHECK (effort_score IS NULL OR effort_score BETWEEN 1 AND 7),
                self_reliance text CHECK (self_reliance IS NULL OR self_reliance IN ('yes', 'with-a-little-help', 'not-yet')),
                channel_advice text CHECK (channel_advice IS NULL OR channel_advice IN ('phone', 'letter', 'email', 'app', 'in-person')),
                messages_read integer NOT NULL DEFAULT 0 CHECK (messages_read >= 0),
                branch text NOT NULL DEFAULT ''
            );
            CREATE INDEX assisted_session_phase ON assisted_session (phase, started_at);
            CREATE INDEX assisted_session_customer ON assisted_session (customer_id, started_at);
            CREATE INDEX assisted_session_started ON assisted_session (started_at);
            CREATE INDEX assisted_session_branch ON assisted_session (branch, phase, started_at);

            -- names: JSON of the task's names per language, read whole by the store, never queried: text.
            CREATE TABLE session_task (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                session_id bigint NOT NULL REFERENCES assisted_session (id) ON DELETE CASCADE,
                task_id text NOT NULL,
                task_group text NOT NULL,
                names text NOT NULL,
                added_at double precision NOT NULL,
                outcome text CHECK (outcome IS NULL OR outcome IN ('resolved', 'partly', 'referred', 'follow-up', 'not-possible')),
                outcome_detail text NOT NULL DEFAULT '',
                partner text,
                follow_up_who text,
                follow_up_due double precision,
                follow_up_channel text,
                finished_at double precision,
                earlier_visits integer CHECK (earlier_visits IS NULL OR earlier_visits >= 0)
            );
            CREATE INDEX session_task_session ON session_task (session_id);
            CREATE TABLE session_step (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                session_id bigint NOT NULL REFERENCES assisted_session (id) ON DELETE CASCADE,
                session_task_id bigint NOT NULL REFERENCES session_task (id) ON DELETE CASCADE,
                description text NOT NULL CHECK (length(description) <= 1000),
                actor text NOT NULL CHECK (actor IN ('customer-alone', 'customer-with-help', 'staff-on-behalf')),
                reason text,
                at double precision NOT NULL
            );
            CREATE INDEX session_step_session ON session_step (session_id);
            CREATE TABLE session_note (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                session_id bigint NOT NULL REFERENCES assisted_session (id) ON DELETE CASCADE,
                text text NOT NULL CHECK (length(text) <= 1000),
                at double precision NOT NULL
            );

            CREATE TABLE api_token (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                name text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),
                token_hash text NOT NULL UNIQUE CHECK (length(token_hash) = 64),
                scopes text NOT NULL,
                created_at double precision NOT NULL,
                revoked_at double precision,
                branches text NOT NULL DEFAULT '*'
            );
            CREATE TABLE idempotent_request (
                token_id bigint NOT NULL REFERENCES api_token (id) ON DELETE CASCADE,
                key text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
                request_hash text NOT NULL,
                status integer NOT NULL,
                body bytea NOT NULL,
                created_at double precision NOT NULL,
                PRIMARY KEY (token_id, key)
            );

            CREATE TABLE queue_ticket (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                branch text NOT NULL,
                day text NOT NULL CHECK (day ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
                number integer NOT NULL CHECK (number >= 1),
                task_group text NOT NULL CHECK (task_group IN ('digital-government', 'banking', 'library-learning', 'other')),
                priority boolean NOT NULL,
                status text NOT NULL CHECK (status IN ('waiting', 'called', 'serving', 'done', 'no-show', 'expired')),
                created_at double precision NOT NULL,
                called_at double precision,
                called_by bigint REFERENCES staff (id),
                desk text,
                session_id bigint REFERENCES assisted_session (id) ON DELETE SET NULL,
                finished_at double precision,
                code text,
                UNIQUE (branch, day, number)
            );
            CREATE INDEX queue_ticket_waiting ON queue_ticket (branch, day, status, priority DESC, created_at);

            CREATE TABLE help_request (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                kiosk text NOT NULL,
                branch text NOT NULL,
                topic text NOT NULL CHECK (length(topic) <= 200),
                session_id bigint REFERENCES assisted_session (id) ON DELETE SET NULL,
                requested_by bigint REFERENCES staff (id),
                requester_key text CHECK (requester_key IS NULL OR length(requester_key) = 64),
                language text NOT NULL CHECK (length(language) = 2),
                status text NOT NULL CHECK (status IN ('open', 'accepted', 'active', 'declined', 'ended', 'cancelled')),
                created_at double precision NOT NULL,
                helper_id bigint REFERENCES staff (id),
                accepted_at double precision,
                answered_at double precision,
                ended_at double precision,
                ended_by text CHECK (ended_by IS NULL OR ended_by IN ('customer', 'helper', 'kiosk', 'consent-withdrawn'))
            );
            CREATE INDEX help_request_status ON help_request (status, created_at);
            CREATE INDEX help_request_session ON help_request (session_id);
            CREATE INDEX help_request_helper ON help_request (helper_id, status);
            CREATE INDEX help_request_branch ON help_request (branch, status);
            CREATE TABLE help_event (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                help_request_id bigint NOT NULL REFERENCES help_request (id) ON DELETE CASCADE,
                at double precision NOT NULL,
                kind text NOT NULL CHECK (kind IN ('requested', 'accepted', 'consent-given', 'consent-refused', 'viewed', 'message',
                                                   'step', 'note', 'ended', 'cancelled')),
                actor_id bigint REFERENCES staff (id),
                text text NOT NULL DEFAULT '' CHECK (length(text) <= 1000)
            );
            CREATE INDEX help_event_request ON help_event (help_request_id, id);

            CREATE TABLE kiosk (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                name text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
                branch text NOT NULL REFERENCES branch (code) ON UPDATE CASCADE,
                kind text NOT NULL CHECK (kind IN ('customer', 'staff-desk', 'display')),
                active boolean NOT NULL DEFAULT true,
                created_at double precision NOT NULL,
                last_seen_at double precision,
                UNIQUE (branch, name)
            );
            CREATE TABLE kiosk_credential (
                hash text PRIMARY KEY CHECK (length(hash) = 64),
                kiosk_id bigint NOT NULL REFERENCES kiosk (id) ON DELETE CASCADE,
                created_at double precision NOT NULL
            );
            CREATE INDEX kiosk_credential_kiosk ON kiosk_credential (kiosk_id);
            CREATE TABLE kiosk_enrolment (
                code_hash text PRIMARY KEY CHECK (length(code_hash) = 64),
                kiosk_id bigint NOT NULL REFERENCES kiosk (id) ON DELETE CASCADE,
                created_at double precision NOT NULL,
                used_at double precision
            );
            CREATE INDEX kiosk_enrolment_kiosk ON kiosk_enrolment (kiosk_id);

            -- Not in SQLite: lookups that run on every session view and close (notes of a session, the ticket of a
            -- session, steps of a task in the task history), which PostgreSQL would answer by scanning the table.
            CREATE INDEX session_note_session ON session_note (session_id);
            CREATE INDEX queue_ticket_session ON queue_ticket (session_id);
            CREATE INDEX session_step_task ON session_step (session_task_id);
            """),

        Migration(name: "p2-live-events", sql: """
            -- Live events for Server-Sent Events across instances: NOTIFY carries only the id, a stream reads the row,
            -- and a reconnect with Last-Event-ID replays the channel's rows after that id.
            CREATE TABLE live_event (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                channel text NOT NULL,
                name text NOT NULL,
                data text NOT NULL,
                at double precision NOT NULL
            );
            CREATE INDEX live_event_channel ON live_event (channel, id);
            """),

        Migration(name: "p3-audit-append-only", sql: """
            -- Refuses every change to audit rows unless balie.audit_maintenance is 'on', which only the two functions
            -- below set, and only for their own duration. The application role has no UPDATE, DELETE or TRUNCATE
            -- privilege on the table; the trigger also holds for the owner (as when the tests run as the owner).
            CREATE FUNCTION balie_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF current_setting('balie.audit_maintenance', true) = 'on' THEN
                    IF TG_OP = 'DELETE' THEN
                        RETURN OLD;
                    END IF;
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION 'the audit trail can only be appended to' USING ERRCODE = 'insufficient_privilege';
            END
            $$;
            CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
                FOR EACH ROW EXECUTE FUNCTION balie_audit_append_only();
            -- TRUNCATE fires no row trigger.
            CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
                FOR EACH STATEMENT EXECUTE FUNCTION balie_audit_append_only();
            REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM PUBLIC;

            -- Erasure: what the SQLite store's eraseCustomer changes (subject replaced, reason cleared). The setting is
            -- switched off again before returning (on an error the transaction or savepoint rolls it back), so the rest
            -- of the caller's transaction is refused again. (A SET clause on the function would do it, but PostgreSQL
            -- lets only a superuser attach a custom setting to a function.)
            CREATE FUNCTION balie_pseudonymise_audit(subject_in text, replacement text) RETURNS bigint
                LANGUAGE plpgsql SECURITY DEFINER
                SET search_path FROM CURRENT
            AS $$
            DECLARE
                changed bigint;
            BEGIN
                PERFORM set_config('balie.audit_maintenance', 'on', true);
                UPDATE audit_event SET subject = replacement, reason = NULL WHERE subject = subject_in;
                GET DIAGNOSTICS changed = ROW_COUNT;
                PERFORM set_config('balie.audit_maintenance', 'off', true);
                RETURN changed;
            END
            $$;

            -- Retention: what the SQLite store's purge deletes (every audit row older than the cutoff).
            CREATE FUNCTION balie_purge_audit(before_at double precision) RETURNS bigint
                LANGUAGE plpgsql SECURITY DEFINER
                SET search_path FROM CURRENT
            AS $$
            DECLARE
                deleted bigint;
            BEGIN
                PERFORM set_config('balie.audit_maintenance', 'on', true);
                DELETE FROM audit_event WHERE at < before_at;
                GET DIAGNOSTICS deleted = ROW_COUNT;
                PERFORM set_config('balie.audit_maintenance', 'off', true);
                RETURN deleted;
            END
            $$;
            -- Only the roles the deployment grants EXECUTE to (the application role) may call them; the owner always may.
            REVOKE EXECUTE ON FUNCTION balie_pseudonymise_audit(text, text) FROM PUBLIC;
            REVOKE EXECUTE ON FUNCTION balie_purge_audit(double precision) FROM PUBLIC;
            """),
        // The anonymous-write limits per kiosk and per address, counted for all instances together.
        Migration(name: "p4-write-limits", sql: """
            CREATE TABLE write_event (
                key text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
                at double precision NOT NULL
            );
            CREATE INDEX write_event_key_at ON write_event (key, at);
            """),
        // What `balie copy` brought over from each branch box (StoreCopy), so that copying a box again adds nothing.
        Migration(name: "p5-copied-rows", sql: """
            -- source: the box (a hash of its own random box-id); target_id: the row it became here (NULL for tables without
            -- an id: staff_branch, kiosk_credential, whose source_id is the SQLite rowid).
            CREATE TABLE copied_row (
                source text NOT NULL,
                table_name text NOT NULL,
                source_id bigint NOT NULL,
                target_id bigint,
                PRIMARY KEY (source, table_name, source_id)
            );
            """),
        // API tokens expire (issue 21); those made before get a year from their creation, the default of `balie token add`.
        Migration(name: "p6-token-expiry", sql: """
            ALTER TABLE api_token ADD COLUMN expires_at double precision;
            UPDATE api_token SET expires_at = created_at + 365 * 86400;
            ALTER TABLE api_token ALTER COLUMN expires_at SET NOT NULL;
            """),
    ]
}
