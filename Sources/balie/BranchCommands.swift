import ArgumentParser
import BalieCore
import BalieStore
import BalieWeb
import Foundation

struct BranchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "branch", abstract: "Manage branches: their code, name, time zone, opening hours and closure dates.",
        subcommands: [Add.self, List.self, Hours.self])

    static func problemText(_ problem: BranchRules.Problem) -> String {
        switch problem {
        case .codeInvalid: "The code must be 2 to 32 lower-case letters, digits or dashes (e.g. centrum)."
        case .nameInvalid: "The name must be 1 to 100 characters, without control characters."
        case .timeZoneInvalid: "Unknown time zone; give one like Europe/Amsterdam."
        case .hoursInvalid: "Opening hours look like mon=09:00-12:30,13:00-17:00;tue=09:00-17:00 (days mon … sun)."
        case .closureInvalid: "Closure dates look like 2026-12-25,2026-12-26."
        case .unknownBranch: "No such branch."
        case .codeTaken: "A branch with this code exists."
        }
    }

    static func audit(_ db: any RecordStore, _ branch: Branch) throws {
        try db.appendAudit(AuditEvent(at: Date(), action: .branchSaved, actorID: nil, subject: branch.code, origin: "cli", branch: branch.code))
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a branch.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Short code: lower-case letters, digits, dashes.") var code: String
        @Option(help: "The name customers know it by.") var name: String
        @Option(help: "IANA time zone (default Europe/Amsterdam).") var timeZone = "Europe/Amsterdam"
        @Option(help: "Weekly hours: mon=09:00-17:00;tue=… (default none).") var hours = ""
        @Option(help: "Closure dates: 2026-12-25,2026-12-26.") var closed = ""

        func run() throws {
            let branch: Branch
            do throws(BranchRules.Problem) {
                branch = Branch(code: try BranchRules.code(code), name: try BranchRules.name(name), timeZone: try BranchRules.timeZone(timeZone),
                                openingHours: try WeeklyHours.parse(hours), closures: try BranchRules.closures(closed))
            } catch { throw CommandError(BranchCommand.problemText(error)) }
            let db = try database.openStore(connections: 2)
            do { try db.insertBranch(branch) } catch let problem as BranchRules.Problem { throw CommandError(BranchCommand.problemText(problem)) }
            try BranchCommand.audit(db, branch)
            print("Added branch \(branch.code) (\(branch.name)).")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List branches: code, name, time zone, hours, closures.")
        @OptionGroup var database: DatabaseOptions

        func run() throws {
            for branch in try database.openStore(connections: 2).allBranches() {
                print([branch.code, branch.name, branch.timeZone, branch.openingHours.text.isEmpty ? "-" : branch.openingHours.text,
                       branch.closures.isEmpty ? "-" : branch.closures.map(\.iso).joined(separator: ",")].joined(separator: "\t"))
            }
        }
    }

    struct Hours: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a branch's weekly opening hours and closure dates.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The branch's code.") var code: String
        @Option(help: "Weekly hours: mon=09:00-17:00;tue=… (replaces them).") var hours: String?
        @Option(help: "Closure dates: 2026-12-25,2026-12-26 (replaces them).") var closed: String?

        func run() throws {
            let db = try database.openStore(connections: 2)
            guard var branch = try db.branch(code: code) else { throw CommandError("No branch with the code \(code).") }
            guard hours != nil || closed != nil else { throw CommandError("Give --hours, --closed or both.") }
            do throws(BranchRules.Problem) {
                if let hours { branch.openingHours = try WeeklyHours.parse(hours) }
                if let closed { branch.closures = try BranchRules.closures(closed) }
            } catch { throw CommandError(BranchCommand.problemText(error)) }
            try db.updateBranch(branch)
            try BranchCommand.audit(db, branch)
            print("\(branch.code): \(branch.openingHours.text.isEmpty ? "no opening hours" : branch.openingHours.text)")
        }
    }
}

struct KioskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kiosk", abstract: "Manage kiosks: create one (with a one-time enrolment code), list, revoke, or make a launcher secret.",
        subcommands: [Add.self, List.self, Code.self, Secret.self, Revoke.self])

    static func find(_ db: any RecordStore, name: String, branch: String) throws -> Kiosk {
        guard let kiosk = try db.kiosk(name: name, branchCode: branch) else { throw CommandError("No kiosk \(name) in branch \(branch).") }
        return kiosk
    }

    static func audit(_ db: any RecordStore, _ action: AuditEvent.Action, _ kiosk: Kiosk) throws {
        try db.appendAudit(AuditEvent(at: Date(), action: action, actorID: nil, subject: kiosk.name, origin: "cli",
                                      detail: "kiosk \(kiosk.id ?? 0)", branch: kiosk.branchCode))
    }

    /// Prints a new one-time code for the kiosk's browser (`/enrol`).
    static func printCode(_ db: any RecordStore, _ kiosk: Kiosk) throws {
        let code = KioskRules.newCode()
        try db.addEnrolmentCode(kioskID: kiosk.id!, codeHash: KioskRules.hash(KioskRules.normalizedCode(code)!), at: Date())
        print("Enrolment code for \(kiosk.name) (\(kiosk.branchCode)): \(code) — type it at /enrol on the kiosk within 15 minutes; it works once.")
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a kiosk and print a one-time enrolment code.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The kiosk's name (unique in its branch), e.g. kiosk-1.") var name: String
        @Option(help: "The branch's code.") var branch: String
        @Option(help: "customer, staff-desk or display (default customer).") var kind = "customer"

        func run() throws {
            guard let kioskKind = Kiosk.Kind(rawValue: kind) else { throw CommandError("The kind must be customer, staff-desk or display.") }
            let kioskName: String
            do { kioskName = try KioskRules.name(name) } catch { throw CommandError("The name must be 1 to 64 characters, without / or control characters.") }
            let db = try database.openStore(connections: 2)
            guard try db.branch(code: branch) != nil else { throw CommandError("No branch with the code \(branch).") }
            let kiosk: Kiosk
            do {
                kiosk = try db.insertKiosk(Kiosk(name: kioskName, branchCode: branch, kind: kioskKind, createdAt: Date()))
            } catch KioskRules.Problem.nameTaken { throw CommandError("Branch \(branch) has a kiosk named \(kioskName).") }
            try KioskCommand.audit(db, .kioskCreated, kiosk)
            try KioskCommand.printCode(db, kiosk)
        }
    }

    struct Code: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a new one-time enrolment code for a kiosk (earlier unused codes stop working).")
        @OptionGroup var database: DatabaseOptions
        @Option var name: String
        @Option var branch: String

        func run() throws {
            let db = try database.openStore(connections: 2)
            try KioskCommand.printCode(db, try KioskCommand.find(db, name: name, branch: branch))
        }
    }

    struct Secret: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a device secret for the kiosk launcher and print it once (put it in the kiosk machine's root-owned secret file).")
        @OptionGroup var database: DatabaseOptions
        @Option var name: String
        @Option var branch: String

        func run() throws {
            let db = try database.openStore(connections: 2)
            let kiosk = try KioskCommand.find(db, name: name, branch: branch)
            guard kiosk.isActive else { throw CommandError("Kiosk \(name) is revoked; make a new code first (balie kiosk code).") }
            let secret = SecureRandom.token()
            try db.addKioskCredential(kioskID: kiosk.id!, credentialHash: KioskRules.hash(secret), at: Date())
            try KioskCommand.audit(db, .kioskEnrolled, kiosk)
            print(secret)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List kiosks: branch, name, kind, state, last seen.")
        @OptionGroup var database: DatabaseOptions

        func run() throws {
            let formatter = ISO8601DateFormatter()
            for kiosk in try database.openStore(connections: 2).allKiosks() {
                print([kiosk.branchCode, kiosk.name, kiosk.kind.rawValue, kiosk.isActive ? "active" : "revoked",
                       kiosk.lastSeenAt.map(formatter.string) ?? "never"].joined(separator: "\t"))
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a kiosk: its browser's next request is refused.")
        @OptionGroup var database: DatabaseOptions
        @Option var name: String
        @Option var branch: String

        func run() throws {
            let db = try database.openStore(connections: 2)
            let kiosk = try KioskCommand.find(db, name: name, branch: branch)
            try db.revokeKiosk(id: kiosk.id!)
            try KioskCommand.audit(db, .kioskRevoked, kiosk)
            print("Revoked \(kiosk.name) (\(kiosk.branchCode)).")
        }
    }
}
