import BalieHTTP

extension WebApp {
    static let healthyBody = Array(#"{"status":"ok"}"#.utf8)

    func registerSystemRoutes() {
        get("/healthz") { [health] _ in
            let status = health.currentStatus()
            return status == HealthProbe.ok
                ? Response(contentType: "application/json", bytes: Self.healthyBody)
                : .json(["status": status], status: .serviceUnavailable)
        }

        // Where a page lands when a staff session has timed out. The page's script may come here a
        // moment before the server's own timeout: the session ends here too, so what the screen says is true.
        // GET only shows the page (a link or a prefetch changes nothing); the page's script posts here.
        get("/session-expired") { [unowned self] request in
            errorResponse(kind: "session_expired", status: .ok, detail: "The session has ended.", request: request.http)
        }
        post("/session-expired") { [unowned self] request in
            var response = errorResponse(kind: "session_expired", status: .ok, detail: "The session has ended.", request: request.http)
            if let signedIn = request.signedIn {
                try authentication.end(signedIn, action: .sessionExpired, origin: origin(request))
                response.setCookie(.expired(Authentication.cookieName, secure: isSecure(request.http)))
            }
            return response
        }
    }
}
