import ArgumentParser
import BalieCore
import BalieStore
import BalieWeb
import Foundation

struct StaffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "staff", abstract: "Manage staff accounts. Passwords are read from standard input.",
        subcommands: [Add.self, Disable.self, Enable.self, ResetPassword.self, List.self])

    /// The first line of standard input: a password is never an argument, which `ps` would show.
    /// The same check as the own password change on `/account/password`.
    static func readPassword(username: String, fullName: String, refused: RefusedPasswords) throws -> String {
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw CommandError("Give the password on standard input (for example: printf '%s\\n' \"$PASSWORD\" | balie staff ...).")
        }
        do {
            try StaffRules.checkPassword(line, username: username, fullName: fullName, refused: refused)
        } catch .passwordTooShort {
            throw CommandError("The password must be at least \(StaffRules.minimumPasswordLength) characters.")
        } catch .passwordTooLong {
            throw CommandError("The password must be at most \(StaffRules.maximumPasswordLength) bytes.")
        } catch .passwordPersonal {
            throw CommandError("The password may not be the username or the person's name. Choose another.")
        } catch .passwordDictionaryWord {
            throw CommandError("The password is a single dictionary word (perhaps with digits or signs around it). Choose a phrase of several words.")
        } catch {
            throw CommandError("This password is too common or too easy to guess. Choose another.")
        }
        return line
    }

    static func existing(_ username: String, in database: any RecordStore) throws -> Staff {
        let normalized = (try? StaffRules.normalizedUsername(username)) ?? username
        guard let staff = try database.staff(username: normalized) else { throw CommandError("No staff account \(username).") }
        return staff
    }

    static func grants(_ texts: [String]) throws -> Set<StaffGrant> {
        Set(try texts.map { text in
            guard let grant = StaffGrant(rawValue: text) else {
                throw CommandError("Unknown grant \(text); choose from \(StaffGrant.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            return grant
        })
    }

    /// The branch codes given, each checked; none given means the first branch (a single-branch box has one).
    static func branches(_ codes: [String], grants: Set<StaffGrant>, in db: any RecordStore) throws -> [String] {
        let existing = try db.allBranches().map(\.code)
        if codes.isEmpty {
            if grants.contains(.allBranches) { return [] }
            guard let first = existing.first else {
                throw CommandError("There is no branch yet: add one first (balie branch add --code CODE --name NAME).")
            }
            return [first]
        }
        for code in codes where !existing.contains(code) {
            throw CommandError("No branch with the code \(code); known: \(existing.joined(separator: ", ")).")
        }
        return codes
    }

    static func audit(_ database: any RecordStore, _ action: AuditEvent.Action, _ username: String) throws {
        try database.appendAudit(AuditEvent(at: Date(), action: action, actorID: nil, subject: username, origin: "cli"))
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a staff account.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Login name: letters, digits, . _ -") var username: String
        @Option(help: "Full name, as colleagues see it.") var name: String
        @Option(help: "staff, supervisor, remote or admin.") var role: String
        @Option(help: "Code of a branch the person belongs to (repeat for several; default: the first branch).") var branch: [String] = []
        @Option(help: "A grant across branches (repeat): all-branches, privacy-officer.") var grant: [String] = []
        @OptionGroup var refused: RefusedPasswordOptions

        func run() throws {
            guard let staffRole = StaffRole(rawValue: role) else { throw CommandError("The role must be staff, supervisor, remote or admin.") }
            let login: String, fullName: String
            do {
                login = try StaffRules.normalizedUsername(username)
                fullName = try StaffRules.checkFullName(name)
            } catch .usernameInvalid {
                throw CommandError("The username must be 2 to 64 letters, digits, dots, dashes or underscores.")
            } catch {
                throw CommandError("The name must be 1 to 100 characters, without control characters.")
            }
            let grants = try StaffCommand.grants(grant)
            let db = try database.openStore(connections: 2)
            let branches = try StaffCommand.branches(branch, grants: grants, in: db)
            guard try db.staff(username: login) == nil else { throw CommandError("The username \(login) is taken.") }
            let password = try StaffCommand.readPassword(username: login, fullName: fullName, refused: try refused.load())
            let hash = try PasswordHasher.owaspMinimum.hash(password)
            try db.insertStaff(Staff(username: login, fullName: fullName, role: staffRole, branches: branches, grants: grants, passwordHash: hash))
            try StaffCommand.audit(db, .staffCreated, login)
            print("Added \(login) (\(staffRole.rawValue)).")
        }
    }

    struct Disable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable an account and end its sessions.")
        @OptionGroup var database: DatabaseOptions
        @Option var username: String

        func run() throws {
            let db = try database.openStore(connections: 2)
            var staff = try StaffCommand.existing(username, in: db)
            staff.isActive = false
            try db.updateStaff(staff)
            try db.deleteSessions(staffID: staff.id!)
            try StaffCommand.audit(db, .staffDisabled, staff.username)
            print("Disabled \(staff.username).")
        }
    }

    struct Enable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled account.")
        @OptionGroup var database: DatabaseOptions
        @Option var username: String

        func run() throws {
            let db = try database.openStore(connections: 2)
            var staff = try StaffCommand.existing(username, in: db)
            staff.isActive = true
            try db.updateStaff(staff)
            try StaffCommand.audit(db, .staffEnabled, staff.username)
            print("Enabled \(staff.username).")
        }
    }

    struct ResetPassword: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-password", abstract: "Set a new password (from standard input) and end the account's sessions.")
        @OptionGroup var database: DatabaseOptions
        @Option var username: String
        @OptionGroup var refused: RefusedPasswordOptions

        func run() throws {
            let db = try database.openStore(connections: 2)
            var staff = try StaffCommand.existing(username, in: db)
            staff.passwordHash = try PasswordHasher.owaspMinimum.hash(try StaffCommand.readPassword(username: staff.username, fullName: staff.fullName,
                                                                                       refused: try refused.load()))
            try db.updateStaff(staff)
            try db.deleteSessions(staffID: staff.id!)
            try db.clearSignInFailures(username: staff.username)
            try StaffCommand.audit(db, .passwordReset, staff.username)
            print("New password set for \(staff.username).")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the staff accounts.")
        @OptionGroup var database: DatabaseOptions

        func run() throws {
            for staff in try database.openStore(connections: 2).allStaff() {
                let status = staff.isActive ? "active" : "disabled"
                let branches = staff.grants.contains(.allBranches) ? "*" : (staff.branches.isEmpty ? "-" : staff.branches.joined(separator: ","))
                print([staff.username, staff.role.rawValue, branches, status, staff.fullName].joined(separator: "\t"))
            }
        }
    }
}
