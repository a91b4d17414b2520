import BalieCore
import BalieHTTP

/// One visitor's stay at the kiosk, kept in a session cookie: the chosen language and a random id
/// that the CSRF token is derived from. Both go when the kiosk resets.
struct Visit {
    static let idCookie = "balie_visit"
    static let languageCookie = "balie_lang"

    var language: Localization.Language
    let id: String
    let isNew: Bool
    private let csrfKey: [UInt8]
    /// The member of staff signed in on this device, if any.
    private(set) var signedIn: SignedIn?

    /// The token forms carry, derived when a page needs it (most requests never do).
    var csrfToken: String {
        if let signedIn {
            return macText("csrf-session:\(signedIn.session.tokenHash)", key: csrfKey)
        }
        return Self.csrfToken(visitID: id, key: csrfKey)
    }

    init(request: Request, localization: Localization, csrfKey: [UInt8]) {
        let cookies = request.cookies
        language = localization.language(cookies[Self.languageCookie])
            ?? localization.language(Localization.defaultLanguage)!
        // The cookie is the id and the server's MAC of it: an id a client made up is never taken on.
        if let value = cookies[Self.idCookie], let id = Self.verifiedID(value, key: csrfKey) {
            self.id = id
            isNew = false
        } else {
            id = SecureRandom.token()
            isNew = true
        }
        self.csrfKey = csrfKey
    }

    /// What the visit cookie holds: the id and its MAC.
    var cookieValue: String { id + "." + Self.mac(id, key: csrfKey) }

    private static func mac(_ id: String, key: [UInt8]) -> String {
        String(macText("visit:\(id)", key: key).prefix(22))
    }

    static func verifiedID(_ value: String, key: [UInt8]) -> String? {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].utf8.count == 43, parts[1].utf8.count == 22 else { return nil }
        let id = String(parts[0])
        guard constantTimeEquals(Array(parts[1].utf8), Array(mac(id, key: key).utf8)) else { return nil }
        return id
    }

    static func csrfToken(visitID: String, key: [UInt8]) -> String {
        macText("csrf:\(visitID)", key: key)
    }

    /// Signed in, forms carry a token bound to the staff session instead of the visit, so that a new
    /// session (a new sign-in) invalidates every form of the old one.
    mutating func attach(_ signedIn: SignedIn) {
        self.signedIn = signedIn
    }

    /// Whether a form's token is the one this visit was given.
    func acceptsCSRF(_ token: String?) -> Bool {
        guard !isNew || signedIn != nil, let token else { return false }
        return constantTimeEquals(Array(token.utf8), Array(csrfToken.utf8))
    }
}
