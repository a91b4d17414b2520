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
            return SHA256.hmac(key: csrfKey, message: Array("csrf-session:\(signedIn.session.tokenHash)".utf8)).base64URLString
        }
        return Self.csrfToken(visitID: id, key: csrfKey)
    }

    init(request: Request, localization: Localization, csrfKey: [UInt8]) {
        let cookies = request.cookies
        language = localization.language(cookies[Self.languageCookie])
            ?? localization.language(Localization.defaultLanguage)!
        if let id = cookies[Self.idCookie], id.utf8.count == 43, id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) {
            self.id = id
            isNew = false
        } else {
            id = SecureRandom.token()
            isNew = true
        }
        self.csrfKey = csrfKey
    }

    static func csrfToken(visitID: String, key: [UInt8]) -> String {
        SHA256.hmac(key: key, message: Array("csrf:\(visitID)".utf8)).base64URLString
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
