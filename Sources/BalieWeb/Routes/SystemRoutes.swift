import BalieHTTP

extension WebApp {
    func registerSystemRoutes() {
        get("/healthz") { [database] _ in
            do {
                try database.ping()
                return .json(["status": "ok"])
            } catch {
                return .json(["status": "database-unavailable"], status: .serviceUnavailable)
            }
        }

        // Where a page lands when a sign-in or a form has timed out.
        get("/session-expired") { [unowned self] request in
            errorResponse(kind: "session_expired", status: .ok, detail: "The session has ended.", request: request.http, visit: request.visit)
        }
    }
}
