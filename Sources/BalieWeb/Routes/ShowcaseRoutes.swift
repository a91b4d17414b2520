import BalieHTTP

/// A page with every shared component and made-up data, so that the browser tests check each one.
extension WebApp {
    func registerShowcaseRoutes() {
        get("/components") { [unowned self] request in
            var screen = layout(request, title: localization.text("components.title", request.language))
            screen.customerMode = false
            screen.staffMode = true
            return try page("pages/components", ComponentsPage(layout: screen), language: request.language)
        }
    }
}
