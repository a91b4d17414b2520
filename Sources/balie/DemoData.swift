import BalieCore
import BalieStore
import BalieWeb
import Foundation

/// Demo content for `serve --demo`: staff accounts and a few hundred customers with a mixed history
/// across channels. Added only to a database without staff and without customers, so demo data never
/// mixes with real records. The demo password is in the README; never use `--demo` for real work.
enum DemoData {
    static let password = "demo-kiosk-2026"
    static let accounts: [(String, String, StaffRole)] = [
        ("anna", "Anna de Boer", .staff), ("sanne", "Sanne Visser", .supervisor),
        ("yusuf", "Yusuf Demir", .remote), ("admin", "Beheerder Balie", .admin),
    ]
    static let customerCount = 300

    static func fill(_ database: AppDatabase, now: Date = Date()) throws {
        if try database.allStaff().isEmpty {
            let hash = try PasswordHasher.owaspMinimum.hash(password)
            for (username, name, role) in accounts {
                try database.insertStaff(Staff(username: username, fullName: name, role: role, branch: "Bibliotheek Centrum", passwordHash: hash))
            }
        }
        if try database.customerCount() == 0 { try fillCustomers(database, now: now) }
    }

    /// A small deterministic generator (SplitMix64), so that every demo looks the same.
    struct Dice {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
        mutating func pick<T>(_ items: [T]) -> T { items[int(0...items.count - 1)] }
        mutating func chance(_ percent: Int) -> Bool { int(1...100) <= percent }
    }

    static let femaleNames = ["Maria", "Johanna", "Anna", "Cornelia", "Wilhelmina", "Elisabeth", "Hendrika", "Geertruida", "Fatma",
                              "Aïcha", "Noor", "Sanne", "Ineke", "Joke", "Marianne", "Olena", "Agnieszka", "Emine", "Lotte", "Truus"]
    static let maleNames = ["Jan", "Johannes", "Cornelis", "Hendrik", "Willem", "Pieter", "Gerrit", "Jacobus", "Mohamed", "Ahmet",
                            "Kees", "Henk", "Bram", "Mustafa", "Piotr", "Taras", "Dirk", "Sjoerd", "Ruud", "Youssef"]
    static let familyNames = ["de Vries", "Jansen", "de Jong", "Bakker", "van den Berg", "Visser", "Smit", "Meijer", "de Boer",
                              "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer",
                              "de Wit", "Dijkstra", "Smits", "de Graaf", "van der Meer", "Vriës", "Yılmaz", "El Amrani",
                              "Kovalenko", "Nowak", "Kaya", "Bouzid", "van Dijk", "Koç", "Wiśniewska", "Schouten", "Postma"]
    static let postcodes = ["3511", "3512", "3521", "9711", "9712", "1012", "1055", "2511", "6811", "5611"]
    static let languages = ["nl", "nl", "nl", "nl", "nl", "tr", "ar", "pl", "uk", "en"]

    static let topics: [(Channel, String, String, String)] = [
        (.phone, "Huurtoeslag", "Belde over de hoogte van de huurtoeslag; uitgelegd hoe de berekening werkt.", "uitgelegd"),
        (.phone, "DigiD kwijt", "Wachtwoord van DigiD vergeten. Nieuwe activeringscode aangevraagd.", "code per post verstuurd"),
        (.letter, "Aanslag gemeentelijke belastingen", "Brief met aanslag verstuurd.", "verstuurd"),
        (.chat, "Zorgtoeslag aanvragen", "Chat afgebroken voor de aanvraag klaar was.", "niet opgelost"),
        (.email, "Machtiging", "Vroeg hoe zijn dochter namens hem kan inloggen.", "informatie gestuurd"),
        (.app, "Betaalverzoek", "Betaalverzoek van de energieleverancier bekeken in de app.", "betaald"),
        (.web, "Afspraak maken", "Online afspraak gemaakt voor het paspoort.", "afspraak staat"),
        (.branch, "Pinpas geblokkeerd", "Pinpas drie keer verkeerd ingevoerd; nieuwe pincode aangevraagd.", "opgelost"),
        (.kioskAssisted, "Berichtenbox lezen", "Samen de Berichtenbox geopend en twee brieven gelezen.", "opgelost"),
        (.remoteAssisted, "Belastingaangifte", "Collega op afstand hielp met de vooringevulde aangifte.", "doorverwezen naar Belastingdienst"),
        (.phone, "AOW-uitkering", "Vraag over de datum van de AOW-betaling.", "uitgelegd"),
        (.kioskAssisted, "Mobiel bankieren instellen", "App geïnstalleerd en eerste keer ingelogd met hulp.", "klant kan het volgende keer zelf"),
    ]
    static let messageTitles = ["Voorlopige aanslag inkomstenbelasting", "Herinnering: zorgtoeslag terugbetalen",
                                "Wijziging huurtoeslag per 1 januari", "Uw DigiD verloopt binnenkort", "Jaaropgave AOW"]
    static let followUps = ["Terugbellen over de uitslag van de toeslagaanvraag", "Brief sturen met uitleg over de machtiging",
                            "Afspraak om samen de aangifte af te maken"]

    static func fillCustomers(_ database: AppDatabase, now: Date) throws {
        var dice = Dice(state: 20261123)
        let staffID = try database.staff(username: "anna")?.id
        var customers: [Customer] = []
        for index in 0..<customerCount {
            let female = dice.chance(55)
            var customer = Customer(
                number: String(100_000 + index * 7 + 3),
                givenName: dice.pick(female ? femaleNames : maleNames), familyName: dice.pick(familyNames),
                birthDate: BirthDate(year: dice.int(1932...1990), month: dice.int(1...12), day: dice.int(1...28)),
                postcode: "\(dice.pick(postcodes)) \(dice.pick(["AB", "CD", "KL", "XZ", "MN"]))",
                phone: dice.chance(85) ? "06-\(dice.int(10_000_000...99_999_999))" : nil,
                email: nil, preferredChannel: dice.pick(PreferredChannel.allCases), language: dice.pick(languages),
                formOfAddress: dice.chance(70) ? (female ? .female : .male) : .fullName)
            if dice.chance(45) { customer.accessibilityNeeds = [dice.pick(AccessibilityNeed.allCases)] }
            if dice.chance(15) { customer.accessibilityNeeds.append(.extraTime) }
            if dice.chance(20) { customer.note = "Komt meestal op dinsdagochtend, samen met de buurvrouw." }
            if dice.chance(40) { customer.email = "\(customer.givenName.lowercased().filter(\.isASCII)).\(index)@voorbeeld.nl" }
            customers.append(customer)
        }
        for customer in customers {
            let stored = try database.insertCustomer(customer)
            guard let id = stored.id else { continue }
            for _ in 0..<dice.int(3...14) {
                let (channel, topic, summary, outcome) = dice.pick(topics)
                let at = now.addingTimeInterval(-Double(dice.int(3_600...180 * 86_400)))
                try database.insertContact(Contact(customerID: id, channel: channel, at: at, topic: topic, summary: summary,
                                                   outcome: outcome, sourceSystem: dice.pick(["crm", "klantcontactcentrum", "balie"])))
            }
            if dice.chance(35) {
                try database.insertMessage(Message(customerID: id, title: dice.pick(messageTitles),
                                                   sentAt: now.addingTimeInterval(-Double(dice.int(1...40) * 86_400)), isImportant: true, isRead: false))
            }
            if dice.chance(20) {
                try database.insertFollowUp(FollowUp(customerID: id, description: dice.pick(followUps),
                                                     due: now.addingTimeInterval(Double(dice.int(1...14) * 86_400)), channel: .phone))
            }
            if dice.chance(60) {
                try database.recordConsent(Consent(customerID: id, purpose: .sessionLog, given: true,
                                                   at: now.addingTimeInterval(-Double(dice.int(10...300) * 86_400)),
                                                   recordedBy: staffID, method: .inPerson))
            }
        }
    }
}
