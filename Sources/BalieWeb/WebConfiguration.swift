import BalieCore
import Foundation

/// Settings of the web application (the HTTP limits live in `ServerConfiguration`).
public struct WebConfiguration: Sendable {
    /// The folder with `static/` and `templates/`.
    public var wwwDirectory = "www"
    /// The folder with one JSON file per language.
    public var localesDirectory = "locales"
    /// The branch this server serves (its queue and display).
    public var branch = "main"
    /// This kiosk's name, stored with what happens at it.
    public var kioskName = "kiosk"
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
    /// Waiting-room displays (event streams on `/display/events`) open at once; more get 503 with Retry-After.
    /// The connection limits of the HTTP layer apply as well.
    public var maxDisplayStreams = 4096
    /// The insights leave out groups smaller than this, so nobody can be picked out.
    public var insightsMinimumGroup = InsightReport.defaultMinimumGroup
    /// Password hashing parameters (at least OWASP's minimum).
    public var passwordHasher = PasswordHasher.owaspMinimum

    public init() {}
}
