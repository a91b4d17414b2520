import ArgumentParser
import BalieCore
import BalieStore
import BalieWeb
import Foundation

struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Manage bearer tokens of the channel API (stored hashed; shown once).",
        subcommands: [Add.self, Revoke.self, List.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token and print it once.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "A name for the client, e.g. crm or contact-centre.") var name: String
        @Option(help: "What it may do (repeat): \(ApiScope.allCases.map(\.rawValue).joined(separator: ", ")).") var scope: [String] = []
        @Option(help: "A branch whose sessions and help requests it may read (repeat).") var branch: [String] = []
        @Flag(help: "It may read the sessions and help requests of every branch.") var allBranches = false

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
            let db = try database.openStore(connections: 2)
            if allBranches && !branch.isEmpty { throw CommandError("Give --branch or --all-branches, not both.") }
            let known = try db.allBranches().map(\.code)
            for code in branch where !known.contains(code) { throw CommandError("No branch with the code \(code).") }
            let branches: BranchScope = allBranches ? .all : .only(Set(branch))
            guard try !db.allTokens().contains(where: { $0.name == tokenName }) else { throw CommandError("A token named \(tokenName) exists.") }
            let token = SecureRandom.token()
            _ = try db.insertToken(ApiToken(name: tokenName, scopes: scopes, branches: branches, tokenHash: SecretHash.of(token), createdAt: Date()))
            try db.appendAudit(AuditEvent(at: Date(), action: .tokenCreated, actorID: nil, subject: tokenName, origin: "cli",
                                          detail: scopes.map(\.rawValue).sorted().joined(separator: " ") + "; branches " + (branches.codes?.joined(separator: ",") ?? "*")))
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
        static let configuration = CommandConfiguration(abstract: "List tokens (names and scopes, never the tokens).")
        @OptionGroup var database: DatabaseOptions

        func run() throws {
            for token in try database.openStore(connections: 2).allTokens() {
                print([token.name, token.scopes.map(\.rawValue).sorted().joined(separator: ","), token.branches.codes?.joined(separator: ",") ?? "*",
                       token.revokedAt == nil ? "active" : "revoked"]
                    .joined(separator: "\t"))
            }
        }
    }
}
