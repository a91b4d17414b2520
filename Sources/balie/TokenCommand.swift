import ArgumentParser
import BalieCore
import BalieStore
import BalieWeb
import Foundation

struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Manage bearer tokens of the channel API (stored hashed; shown once).",
        subcommands: [Add.self, Rotate.self, Revoke.self, List.self])

    /// Days as given on the command line, checked.
    static func days(_ value: Int, _ option: String) throws -> Int {
        guard (0...ApiToken.maximumDays).contains(value) else { throw CommandError("\(option) must be 0 to \(ApiToken.maximumDays) days.") }
        return value
    }

    static func day(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token and print it once.", aliases: ["create"])
        @OptionGroup var database: DatabaseOptions
        @Option(help: "A name for the client, e.g. crm or contact-centre.") var name: String
        @Option(help: "What it may do (repeat): \(ApiScope.allCases.map(\.rawValue).joined(separator: ", ")).") var scope: [String] = []
        @Option(help: "A branch whose sessions and help requests it may read (repeat).") var branch: [String] = []
        @Flag(help: "It may read the sessions and help requests of every branch.") var allBranches = false
        @Option(help: "Days until it expires (0 to \(ApiToken.maximumDays); default 365).") var expiresIn = Int(ApiToken.defaultLifetimeDays)

        func run() throws {
            guard let tokenName = ApiToken.checkName(name) else { throw CommandError("The name must be 1 to 64 letters, digits, . _ or -.") }
            var scopes = Set<ApiScope>()
            for text in scope {
                guard let parsed = ApiScope(rawValue: text) else {
                    throw CommandError("Unknown scope \(text); choose from \(ApiScope.allCases.map(\.rawValue).joined(separator: ", ")).")
                }
                scopes.insert(parsed)
            }
            guard !scopes.isEmpty else { throw CommandError("Give at least one --scope.") }
            let now = Date()
            let expiresAt = ApiToken.expiry(from: now, days: try TokenCommand.days(expiresIn, "--expires-in"))!
            let db = try database.openStore(connections: 2)
            if allBranches && !branch.isEmpty { throw CommandError("Give --branch or --all-branches, not both.") }
            let known = try db.allBranches().map(\.code)
            for code in branch where !known.contains(code) { throw CommandError("No branch with the code \(code).") }
            let branches: BranchScope = allBranches ? .all : .only(Set(branch))
            guard try !db.allTokens().contains(where: { $0.name == tokenName }) else { throw CommandError("A token named \(tokenName) exists.") }
            let token = SecureRandom.token()
            _ = try db.insertToken(ApiToken(name: tokenName, scopes: scopes, branches: branches, tokenHash: SecretHash.of(token), createdAt: now,
                                            expiresAt: expiresAt))
            try db.appendAudit(AuditEvent(at: now, action: .tokenCreated, actorID: nil, subject: tokenName, origin: "cli",
                                          detail: scopes.map(\.rawValue).sorted().joined(separator: " ") + "; branches " + (branches.codes?.joined(separator: ",") ?? "*")
                                            + "; expires " + TokenCommand.day(expiresAt)))
            print(token)
        }
    }

    /// A new token for the same client; the old one keeps working through the overlap, so that the client can
    /// switch without a moment of refused requests.
    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a new token for a client and print it once; the old one works until the overlap ends.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The client's token name.") var name: String
        @Option(help: "Days the old token keeps working (0 to \(ApiToken.maximumDays); default 7).") var overlapDays = ApiToken.defaultOverlapDays
        @Option(help: "Days until the new token expires (default 365).") var expiresIn = Int(ApiToken.defaultLifetimeDays)

        func run() throws {
            let now = Date()
            let oldEnd = ApiToken.expiry(from: now, days: try TokenCommand.days(overlapDays, "--overlap-days"))!
            let newEnd = ApiToken.expiry(from: now, days: try TokenCommand.days(expiresIn, "--expires-in"))!
            let db = try database.openStore(connections: 2)
            guard let current = try db.allTokens().first(where: { $0.name == name && $0.revokedAt == nil }) else {
                throw CommandError("No active token named \(name).")
            }
            let token = SecureRandom.token()
            let replacement = ApiToken(name: current.name, scopes: current.scopes, branches: current.branches, tokenHash: SecretHash.of(token),
                                       createdAt: now, expiresAt: newEnd)
            guard let rotated = try db.rotateToken(name: name, replacement: replacement, oldExpiresAt: oldEnd) else {
                throw CommandError("No active token named \(name).")
            }
            try db.appendAudit(AuditEvent(at: now, action: .tokenRotated, actorID: nil, subject: name, origin: "cli",
                                          detail: "old token \(rotated.old.name) expires \(TokenCommand.day(rotated.old.expiresAt)); new token expires \(TokenCommand.day(newEnd))"))
            print(token)
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token at once.")
        @OptionGroup var database: DatabaseOptions
        @Option var name: String

        func run() throws {
            let db = try database.openStore(connections: 2)
            guard try db.revokeToken(name: name, at: Date()) else { throw CommandError("No active token named \(name).") }
            try db.appendAudit(AuditEvent(at: Date(), action: .tokenRevoked, actorID: nil, subject: name, origin: "cli"))
            print("Revoked \(name).")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List tokens: name, scopes, branches, state (active, expired or revoked), expiry; never the tokens.")
        @OptionGroup var database: DatabaseOptions

        func run() throws {
            let now = Date()
            for token in try database.openStore(connections: 2).allTokens() {
                print([token.name, token.scopes.map(\.rawValue).sorted().joined(separator: ","), token.branches.codes?.joined(separator: ",") ?? "*",
                       token.state(at: now).rawValue, "expires " + TokenCommand.day(token.expiresAt)]
                    .joined(separator: "\t"))
            }
        }
    }
}
