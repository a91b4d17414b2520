import BalieHTTP

/// The visitor's choice of language, kept for the visit in a session cookie.
extension WebApp {
    func registerLanguageRoutes() {
        get("/language") { [unowned self] request in
            try page("pages/language", request, title: localization.text("language_page.title", request.language), [
                "return_to": Self.safeReturnPath(request.http.query["return"])
            ])
        }

        post("/language") { [unowned self] request in
            guard let language = localization.language(request.form["lang"]) else {
                throw PageError.badRequest("Unknown language.")
            }
            var response = Response.redirect(to: Self.safeReturnPath(request.form["return"]))
            response.setCookie(cookie(Visit.languageCookie, language.code, request.http))
            return response
        }
    }
}
