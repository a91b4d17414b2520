/// CLDR plural categories for integer counts, for the languages Balie ships.
enum PluralRules {
    static func category(for count: Int, language: String) -> String {
        let n = abs(count)
        let mod10 = n % 10, mod100 = n % 100
        switch language {
        case "pl":
            if n == 1 { return "one" }
            if (2...4).contains(mod10) && !(12...14).contains(mod100) { return "few" }
            return "many"
        case "uk", "ru":
            if mod10 == 1 && mod100 != 11 { return "one" }
            if (2...4).contains(mod10) && !(12...14).contains(mod100) { return "few" }
            return "many"
        case "ar":
            if n == 0 { return "zero" }
            if n == 1 { return "one" }
            if n == 2 { return "two" }
            if (3...10).contains(mod100) { return "few" }
            if (11...99).contains(mod100) { return "many" }
            return "other"
        default:  // nl, en, tr
            return n == 1 ? "one" : "other"
        }
    }

    /// The categories a language needs for integers and fractions, as CLDR lists them.
    static func requiredCategories(language: String) -> Set<String> {
        switch language {
        case "pl", "uk", "ru": ["one", "few", "many", "other"]
        case "ar": ["zero", "one", "two", "few", "many", "other"]
        default: ["one", "other"]
        }
    }
}
