import BalieCore
import Foundation

/// Settings of the web application (the HTTP limits live in `ServerConfiguration`).
public struct WebConfiguration: Sendable {
    /// The folder with `static/` and `templates/`.
    public var wwwDirectory = "www"
    /// The folder with one JSON file per language.
    public var localesDirectory = "locales"
    /// The folder with the lists of refused passwords (data/refused-passwords/README.md).
    public var refusedPasswordsDirectory = RefusedPasswordLists.defaultDirectory
    /// The single-kiosk shortcut (`--kiosk`/`--branch`, or `--demo`): a browser on this machine
    /// (loopback peer) counts as enrolled to this kiosk, unless a proxy stands in front.
    public var loopbackKiosk: KioskShortcut?
    /// The proxy whose `X-Forwarded-For` names the real client (`--trusted-proxy`).
    public var trustedProxy: String?
    /// The origin browsers reach this server at (`--public-origin`, "https://balie.example.nl"); forms
    /// posted from any other origin are refused. Nil: the request's own Host.
    public var publicOrigin: String?
    /// Anonymous writes (tickets, staff calls, help requests) one kiosk may make per `anonymousWriteWindow`.
    public var anonymousWritesPerKiosk = 30
    /// Anonymous writes one client address may make per window, over all kiosks.
    public var anonymousWritesPerAddress = 60
    public var anonymousWriteWindow: TimeInterval = 10 * 60
    /// Seconds without input before a customer-mode screen starts again for the next person.
    public var idleSeconds = 120
    /// Seconds of warning, within `idleSeconds`, before that reset.
    public var idleWarnSeconds = 30
    /// Set when a TLS-terminating proxy stands in front: cookies get `Secure` and HSTS is sent.
    public var behindTLSProxy = false
    /// Set when the server itself speaks HTTPS (`--tls-cert`).
    public var servesTLS = false
    /// Pages reach the browser over TLS, one way or the other.
    public var isTLS: Bool { behindTLSProxy || servesTLS }
    /// Staff session lifetimes.
    public var sessionPolicy = SessionPolicy()
    /// Limits on password guessing.
    public var signInThrottle = SignInThrottle()
    /// The time zone of the branch, for times on pages and greetings.
    public var timeZone = TimeZone(identifier: "Europe/Amsterdam") ?? .current
    /// The task catalogue (what people come for, and the referral partners).
    public var taskCatalogPath = "deploy/task-catalog.json"
    /// The organisation's name, as customers know it (in the effort question and on summaries).
    public var organisationName = "Balie"
    /// Sessions open longer than this are shown to staff to finish.
    public var staleSessionAfter: TimeInterval = 4 * 3600
    /// Waiting-room display streams open at once, over all branches; more get 503 with Retry-After. Kept
    /// below the HTTP layer's connection limit so that displays can never take every connection.
    public var maxDisplayStreams = 768
    /// The insights leave out groups smaller than this, so nobody can be picked out.
    public var insightsMinimumGroup = InsightReport.defaultMinimumGroup
    /// Password hashing parameters (at least OWASP's minimum).
    public var passwordHasher = PasswordHasher.owaspMinimum

    public init() {}
}

/// The kiosk a loopback browser counts as in the single-kiosk shortcut.
public struct KioskShortcut: Sendable, Equatable {
    public var kiosk: String
    public var branch: String
    public init(kiosk: String, branch: String) {
        self.kiosk = kiosk
        self.branch = branch
    }
}
