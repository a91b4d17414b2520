import Foundation

/// What an API token may do.
public enum ApiScope: String, CaseIterable, Sendable, Codable {
    case customersRead = "customers:read"
    case contactsRead = "contacts:read"
    case contactsWrite = "contacts:write"
    case sessionsRead = "sessions:read"
    /// `/metrics` from anywhere but loopback.
    case metricsRead = "metrics:read"
}

/// A token for another channel (CRM, contact centre, app). Only its SHA-256 hash is stored.
public struct ApiToken: Sendable, Equatable {
    public var id: Int64?
    public var name: String
    public var scopes: Set<ApiScope>
    /// The branches whose sessions and help requests it may read (customer records are shared by all).
    public var branches: BranchScope
    public var tokenHash: String
    public var createdAt: Date
    public var revokedAt: Date?

    public init(id: Int64? = nil, name: String, scopes: Set<ApiScope>, branches: BranchScope = .only([]), tokenHash: String, createdAt: Date, revokedAt: Date? = nil) {
        self.id = id
        self.name = name
        self.scopes = scopes
        self.branches = branches
        self.tokenHash = tokenHash
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    public static func checkName(_ text: String) -> String? {
        let name = text.trimmingCharacters(in: .whitespaces)
        guard (1...64).contains(name.count), name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else { return nil }
        return name
    }
}

/// A stored answer to a request with an `Idempotency-Key`, replayed when the same request comes again.
public struct IdempotentResult: Sendable, Equatable {
    public let requestHash: String
    public let status: Int
    public let body: [UInt8]

    public init(requestHash: String, status: Int, body: [UInt8]) {
        self.requestHash = requestHash
        self.status = status
        self.body = body
    }
}

public protocol ApiTokenRepository: Sendable {
    func insertToken(_ token: ApiToken) throws -> ApiToken
    func token(hash: String) throws -> ApiToken?
    func allTokens() throws -> [ApiToken]
    func revokeToken(name: String, at: Date) throws -> Bool
    /// Adds a contact once per (token, key), with the answer made by `answer` from the stored contact;
    /// a later call with the same key gets the stored answer and adds nothing.
    func addContactOnce(tokenID: Int64, key: String, requestHash: String, contact: Contact,
                        answer: (Contact) -> IdempotentResult) throws -> (result: IdempotentResult, replayed: Bool)
}
