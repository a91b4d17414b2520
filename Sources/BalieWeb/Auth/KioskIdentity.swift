import BalieCore
import BalieHTTP
import Foundation

/// Which kiosk a request comes from: the enrolled browser's device cookie, or on a single-kiosk box a
/// browser on the same machine. Everything a kiosk does records this kiosk and its branch.
extension WebApp {
    /// The device cookie: `__Host-` prefixed where the browser reaches us over TLS (then it cannot be set by
    /// another host or over plain HTTP). Ten years: an enrolled kiosk stays enrolled until it is revoked.
    static let kioskCookie = "balie_kiosk"
    static let secureKioskCookie = "__Host-balie_kiosk"
    static let kioskCookieSeconds = 10 * 365 * 86_400

    func kioskCookieName(_ request: Request) -> String { isSecure(request) ? Self.secureKioskCookie : Self.kioskCookie }

    func kioskCookie(_ token: String, _ request: Request) -> Cookie {
        Cookie(name: kioskCookieName(request), value: token, maxAge: Self.kioskCookieSeconds, secure: isSecure(request))
    }

    /// The active kiosk this request comes from, if any; its last-seen time is kept (about once a minute).
    func requestKiosk(_ request: Request, now: Date = Date()) throws -> Kiosk? {
        var found: Kiosk?
        for name in [Self.secureKioskCookie, Self.kioskCookie] {
            guard let token = request.cookies[name], token.utf8.count == 43 else { continue }
            if let kiosk = try database.kiosk(credentialHash: SecretHash.of(token)) { found = kiosk; break }
        }
        if found == nil, let shortcut = configuration.loopbackKiosk, countsAsLoopbackKiosk(request) {
            found = try database.kiosk(name: shortcut.kiosk, branchCode: shortcut.branch).flatMap { $0.isActive ? $0 : nil }
        }
        if let kiosk = found, let id = kiosk.id,
            now.timeIntervalSince(kiosk.lastSeenAt ?? .distantPast) >= KioskRules.lastSeenPrecision {
            // Last seen is a hint for /admin/kiosks: a full disk or a busy database must not refuse the page.
            do { try database.touchKiosk(id: id, at: now) } catch {
                logger.warning("could not record that a kiosk was seen", metadata: ["kiosk": .string(kiosk.name), "error": .string("\(error)")])
            }
        }
        return found
    }

    /// A browser on this machine, when nothing stands in between: behind a proxy every client would look local.
    func countsAsLoopbackKiosk(_ request: Request) -> Bool {
        configuration.trustedProxy == nil && !configuration.behindTLSProxy && Self.isLoopback(request.clientAddress)
    }

    static func isLoopback(_ address: String) -> Bool {
        address == "::1" || address.hasPrefix("127.") || address.hasPrefix("::ffff:127.")
    }

    /// With `--trusted-proxy`, the client is the address that proxy appended last to `X-Forwarded-For`;
    /// from anyone else the header is ignored.
    func clientAddress(of request: Request) -> String {
        guard let proxy = configuration.trustedProxy, request.clientAddress == proxy,
            let forwarded = request.headers["X-Forwarded-For"],
            let last = forwarded.split(separator: ",").last?.trimmingCharacters(in: .whitespaces),
            !last.isEmpty, last.utf8.count <= 64, last.allSatisfy({ $0.isHexDigit || $0 == "." || $0 == ":" })
        else { return request.clientAddress }
        return last
    }

    /// Who is asking, for the access rules.
    func requester(_ visit: Visit, kiosk: Kiosk?) -> Requester {
        if let signedIn = visit.signedIn {
            return Requester(kind: .staff(id: signedIn.staffID, role: signedIn.staff.role, workingBranch: signedIn.workingBranch),
                             branches: signedIn.staff.scope, grants: signedIn.staff.grants, kiosk: kiosk)
        }
        return Requester(kind: kiosk == nil ? .anonymous : .kioskVisitor, branches: .only([]), kiosk: kiosk)
    }
}
