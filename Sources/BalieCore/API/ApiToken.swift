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
    /// From this moment the token is refused (ASVS 5.0 V10: no credential lives for ever).
    public var expiresAt: Date

    public init(id: Int64? = nil, name: String, scopes: Set<ApiScope>, branches: BranchScope = .only([]), tokenHash: String, createdAt: Date,
                revokedAt: Date? = nil, expiresAt: Date? = nil) {
        self.id = id
        self.name = name
        self.scopes = scopes
        self.branches = branches
        self.tokenHash = tokenHash
        self.createdAt = createdAt
        self.revokedAt = revokedAt
        self.expiresAt = expiresAt ?? createdAt.addingTimeInterval(Self.defaultLifetimeDays * 86_400)
    }

    public enum State: String, Sendable {
        case active, expired, revoked
    }

    public func state(at now: Date) -> State {
        if revokedAt != nil { return .revoked }
        return now >= expiresAt ? .expired : .active
    }

    /// `balie token add --expires-in`: a year unless told otherwise.
    public static let defaultLifetimeDays: Double = 365
    /// `balie token rotate --overlap-days`: a week for the client to switch to the new token.
    public static let defaultOverlapDays = 7
    /// Longest lifetime and overlap accepted: ten years.
    public static let maximumDays = 3650

    /// The expiry of a token made at `now` to live `days` days (0: expired at once, for tests and for
    /// ending a rotation's overlap); nil when `days` is out of range.
    public static func expiry(from now: Date, days: Int) -> Date? {
        guard (0...maximumDays).contains(days) else { return nil }
        return now.addingTimeInterval(Double(days) * 86_400)
    }

    /// The name the old token of a rotation keeps: the client's name with the old token's id, so that both stay
    /// listed apart, and `token revoke --name` of the client's name reaches only the new one. "~" is not allowed
    /// in a name given on the command line, so no client can be given this name.
    public static func rotatedName(_ name: String, id: Int64) -> String {
        let suffix = "~\(id)"
        return String(name.prefix(64 - suffix.count)) + suffix
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
    /// Rotation without downtime, in one transaction: the active token named `name` is renamed to
    /// `ApiToken.rotatedName` and expires at `oldExpiresAt` (or its own expiry, if sooner), and `replacement`
    /// (same name, scopes and branches) is stored. Nil when there is no active token of that name.
    func rotateToken(name: String, replacement: ApiToken, oldExpiresAt: Date) throws -> (old: ApiToken, new: ApiToken)?
    /// Adds a contact once per (token, key), with the answer made by `answer` from the stored contact;
    /// a later call with the same key gets the stored answer and adds nothing.
    func addContactOnce(tokenID: Int64, key: String, requestHash: String, contact: Contact,
                        answer: (Contact) -> IdempotentResult) throws -> (result: IdempotentResult, replayed: Bool)
}
