import BalieHTTP

/// The visitor's choice of language, kept for the visit in a session cookie.
extension WebApp {
    func registerLanguageRoutes() {
        get("/language") { [unowned self] request in
            var layout = layout(request, title: localization.text("language_page.title", request.language))
            layout.returnTo = Self.safeReturnPath(request.http.query["return"])
            return try page("pages/language", LanguagePage(layout: layout), language: request.language)
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
