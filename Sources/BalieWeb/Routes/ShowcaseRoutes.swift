import BalieHTTP

/// A page with every shared component and made-up data, so that the browser tests check each one.
extension WebApp {
    func registerShowcaseRoutes() {
        get("/components") { [unowned self] request in
            var context = [String: Any]()
            context["demo"] = [
                "customers": [
                    ["number": "100234", "name": "Fatma Yılmaz", "postcode": "3512 AB", "last_contact": "12-11-2026"],
                    ["number": "100871", "name": "Jan de Vries", "postcode": "9711 LM", "last_contact": "03-11-2026"],
                    ["number": "101552", "name": "Olena Kovalenko", "postcode": "1055 XZ", "last_contact": "28-10-2026"],
                ]
            ]
            context["customer_mode"] = false
            context["staff_mode"] = true
            return try page("pages/components", request, title: localization.text("components.title", request.language), context)
        }
    }
}
