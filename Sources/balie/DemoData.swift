import BalieCore
import BalieStore
import BalieWeb
import Foundation

/// Demo content for `serve --demo` and `balie demo`: two branches with their kiosks, staff accounts, a few
/// hundred customers with a mixed history across channels, and about six months of assisted sessions
/// (customers who come back for the same task and need less help each time). Added only to a database
/// without staff and without customers, so demo data never mixes with real records. Everything comes from
/// a fixed-seed generator: every demo made on the same day is identical (record entries other than the
/// sessions' shift with the time of `now`). The history ends yesterday, so
/// that today's figures are only what is done on the demo. The demo password is in the
/// README; never use `--demo` for real work.
enum DemoData {
    static let password = "demo-kiosk-2026"
    /// The kiosk a browser on this machine is in `serve --demo`.
    static let demoKiosk = (name: "kiosk-1", branch: "centrum")
    static let timeZone = "Europe/Amsterdam"
    static let customerCount = 300
    /// Days of history before `now`.
    static let historyDays = 182

    static let branches: [(code: String, name: String, hours: String)] = [
        // A library: Monday afternoons, a late evening on Thursday, Saturdays.
        ("centrum", "Bibliotheek Centrum",
         "mon=13:00-17:30;tue=10:00-17:30;wed=10:00-17:30;thu=10:00-20:00;fri=10:00-17:30;sat=10:00-16:00"),
        // A municipal office: office hours, a late evening on Thursday, Friday mornings.
        ("stadskantoor", "Stadskantoor", "mon=09:00-17:00;tue=09:00-17:00;wed=09:00-17:00;thu=09:00-20:00;fri=09:00-12:30"),
    ]
    static let kiosks: [(name: String, branch: String, kind: Kiosk.Kind)] = [
        ("kiosk-1", "centrum", .customer), ("kiosk-2", "centrum", .customer), ("wachtruimte", "centrum", .display),
        ("kiosk-3", "stadskantoor", .customer),
    ]

    struct Account {
        let username: String, fullName: String, role: StaffRole, branches: [String]
        var grants: Set<StaffGrant> = []
    }

    static let accounts: [Account] = [
        Account(username: "anna", fullName: "Anna de Boer", role: .staff, branches: ["centrum"]),
        Account(username: "sanne", fullName: "Sanne Visser", role: .supervisor, branches: ["centrum", "stadskantoor"]),
        Account(username: "yusuf", fullName: "Yusuf Demir", role: .remote, branches: ["centrum", "stadskantoor"]),
        Account(username: "admin", fullName: "Beheerder Balie", role: .admin, branches: ["centrum", "stadskantoor"], grants: [.allBranches]),
        Account(username: "pieter", fullName: "Pieter Smit", role: .staff, branches: ["stadskantoor"]),
        Account(username: "lotte", fullName: "Lotte Bakker", role: .staff, branches: ["centrum", "stadskantoor"]),
        Account(username: "privacy", fullName: "Fenna de Wit", role: .supervisor, branches: ["centrum"], grants: [.privacyOfficer]),
    ]

    /// What was added, for the command line.
    struct Summary: CustomStringConvertible {
        var branches = 0, kiosks = 0, staff = 0, customers = 0, contacts = 0
        var sessions = 0, anonymousSessions = 0, tasks = 0, steps = 0, staffCalls = 0

        var description: String {
            "Demo data: \(branches) branches, \(kiosks) kiosks, \(staff) staff, \(customers) customers (\(contacts) contacts), "
                + "\(sessions) sessions over \(DemoData.historyDays) days (\(anonymousSessions) anonymous; \(tasks) tasks, \(steps) steps), "
                + "\(staffCalls) staff calls."
        }
    }

    /// Fills an empty database (no staff, no customers); returns nil and changes nothing otherwise.
    @discardableResult
    /// The central database: the demo is made in a SQLite database in memory and copied over in one transaction
    /// (`StoreCopy`), far quicker than thousands of durable round trips, and only into an empty database.
    static func fill(_ store: PostgresStore, catalog: TaskCatalog, now: Date = Date()) throws -> Summary? {
        guard try store.allStaff().isEmpty, try store.customerCount() == 0 else { return nil }
        let box = try AppDatabase(inMemoryNamed: "demo-" + UUID().uuidString)
        guard let summary = try fill(box, catalog: catalog, now: now), try StoreCopy.copyIntoEmpty(from: box, to: store, now: now) != nil
        else { return nil }
        return summary
    }

    static func fill(_ database: AppDatabase, catalog: TaskCatalog, now: Date = Date()) throws -> Summary? {
        guard try database.allStaff().isEmpty, try database.customerCount() == 0 else { return nil }
        var summary = Summary()
        let created = now.addingTimeInterval(-Double(historyDays + 30) * 86_400)
        // Branches before staff: staff_branch names branch codes.
        for (code, name, hours) in branches {
            guard try database.branch(code: code) == nil else { continue }
            try database.insertBranch(Branch(code: code, name: name, timeZone: timeZone, openingHours: try WeeklyHours.parse(hours),
                                             closures: closures(around: now)))
            summary.branches += 1
        }
        for kiosk in kiosks {
            guard try database.kiosk(name: kiosk.name, branchCode: kiosk.branch) == nil else { continue }
            try database.insertKiosk(Kiosk(name: kiosk.name, branchCode: kiosk.branch, kind: kiosk.kind, createdAt: created))
            summary.kiosks += 1
        }
        let hash = try PasswordHasher.owaspMinimum.hash(password)
        var staff: [String: Staff] = [:]
        for account in accounts {
            staff[account.username] = try database.insertStaff(Staff(
                username: account.username, fullName: account.fullName, role: account.role, branches: account.branches,
                grants: account.grants, passwordHash: hash))
        }
        summary.staff = accounts.count

        var records = try customers(database, now: now, recordedBy: staff["anna"]?.id)
        summary.customers = records.people.count
        var history = History(catalog: catalog, staff: staff, people: records.people, now: now)
        history.generate()
        summary.sessions = history.sessions.count
        summary.anonymousSessions = history.sessions.filter(\.isAnonymous).count
        summary.tasks = history.sessions.reduce(0) { $0 + $1.tasks.count }
        summary.steps = history.sessions.reduce(0) { $0 + $1.steps.count }
        summary.staffCalls = history.staffCalls.count
        records.contacts += history.contacts
        records.followUps += history.followUps
        summary.contacts = records.contacts.count
        try database.insertHistory(history.sessions, contacts: records.contacts, messages: records.messages, followUps: records.followUps,
                                   consents: records.consents, staffCalls: history.staffCalls)
        return summary
    }

    /// Christmas, Boxing Day and New Year's Day: the coming ones, and those of the history's months.
    static func closures(around now: Date) -> [BirthDate] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: timeZone)!
        let year = calendar.component(.year, from: now)
        let today = calendar.startOfDay(for: now)
        var days: [BirthDate] = []
        for y in (year - 1)...(year + 1) {
            for (month, day) in [(1, 1), (12, 25), (12, 26)] {
                guard let date = calendar.date(from: DateComponents(year: y, month: month, day: day)),
                    date >= today.addingTimeInterval(-Double(historyDays + 1) * 86_400), date <= today.addingTimeInterval(366 * 86_400),
                    let closed = BirthDate(year: y, month: month, day: day) else { continue }
                days.append(closed)
            }
        }
        return days.sorted()
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
        /// One of the items, each as likely as its weight.
        mutating func weighted<T>(_ items: [(T, Int)]) -> T {
            let total = items.reduce(0) { $0 + max(0, $1.1) }
            var roll = int(1...max(1, total))
            for (item, weight) in items where weight > 0 {
                roll -= weight
                if roll <= 0 { return item }
            }
            return items[items.count - 1].0
        }
    }

    // MARK: - Customers and their record (as before: same generator, same seed)

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

    /// A customer as the session history needs them.
    struct Person {
        let id: Int64
        let language: String
        let channel: PreferredChannel?
        /// When they agreed that sessions are logged into their record; nil: never.
        let consentAt: Date?
    }

    struct Records {
        var people: [Person] = []
        var contacts: [Contact] = []
        var messages: [Message] = []
        var followUps: [FollowUp] = []
        var consents: [Consent] = []
    }

    /// The customers, stored at once; their contacts, messages, follow-ups and consents returned for the
    /// history's transaction.
    static func customers(_ database: AppDatabase, now: Date, recordedBy staffID: Int64?) throws -> Records {
        var dice = Dice(state: 20261123)
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
        var records = Records()
        for stored in try database.insertCustomers(customers) {
            guard let id = stored.id else { continue }
            for _ in 0..<dice.int(3...14) {
                let (channel, topic, summary, outcome) = dice.pick(topics)
                let at = now.addingTimeInterval(-Double(dice.int(3_600...180 * 86_400)))
                records.contacts.append(Contact(customerID: id, channel: channel, at: at, topic: topic, summary: summary, outcome: outcome,
                                                sourceSystem: dice.pick(["crm", "klantcontactcentrum", "balie"])))
            }
            if dice.chance(35) {
                records.messages.append(Message(customerID: id, title: dice.pick(messageTitles),
                                                sentAt: now.addingTimeInterval(-Double(dice.int(1...40) * 86_400)), isImportant: true, isRead: false))
            }
            if dice.chance(20) {
                records.followUps.append(FollowUp(customerID: id, description: dice.pick(followUps),
                                                  due: now.addingTimeInterval(Double(dice.int(1...14) * 86_400)), channel: .phone))
            }
            var consentAt: Date?
            if dice.chance(60) {
                let at = now.addingTimeInterval(-Double(dice.int(10...300) * 86_400))
                records.consents.append(Consent(customerID: id, purpose: .sessionLog, given: true, at: at, recordedBy: staffID, method: .inPerson))
                consentAt = at
            }
            records.people.append(Person(id: id, language: stored.language ?? "nl", channel: stored.preferredChannel, consentAt: consentAt))
        }
        return records
    }

    // MARK: - Six months of assisted sessions

    /// Tasks that need the most help (more steps, more staff, fewer resolved at once) and the least.
    static let hardTasks: Set<String> = ["tax-return", "allowances", "benefits-uwv", "digid-apply", "forms", "student-finance"]
    static let easyTasks: Set<String> = ["library-account", "appointments", "payment-request", "pay-bill"]

    /// What each branch is visited for, by weight.
    static let taskWeights: [String: [(String, Int)]] = [
        "centrum": [("digid-app", 8), ("digid-activate", 5), ("digid-apply", 4), ("government-inbox", 9), ("allowances", 5),
                    ("tax-return", 4), ("mobile-banking", 8), ("pay-bill", 5), ("payment-request", 5), ("passwords-codes", 6),
                    ("appointments", 3), ("forms", 4), ("phone-tablet-basics", 7), ("library-account", 6), ("learn-computer", 5),
                    ("benefits-uwv", 2), ("pension-svb", 3), ("student-finance", 1)],
        "stadskantoor": [("digid-apply", 8), ("digid-activate", 7), ("digid-app", 6), ("allowances", 9), ("tax-return", 5),
                         ("government-inbox", 6), ("benefits-uwv", 5), ("pension-svb", 4), ("student-finance", 2), ("appointments", 9),
                         ("forms", 9), ("passwords-codes", 2), ("pay-bill", 2)],
    ]
    /// Tasks people come back for until they can do them alone.
    static let learnedTasks: [String: [String]] = [
        "centrum": ["digid-app", "mobile-banking", "government-inbox", "phone-tablet-basics", "payment-request", "learn-computer",
                    "passwords-codes", "digid-activate", "library-account"],
        "stadskantoor": ["digid-app", "digid-activate", "government-inbox", "appointments", "allowances"],
    ]
    /// Who works where, by weekday (1 = Monday): (username, weight).
    static func roster(branch: String, isoWeekday day: Int) -> [(String, Int)] {
        let lotteInCentrum = day <= 3 || day == 6, sanneInCentrum = day != 2 && day != 4
        if branch == "centrum" {
            return [("anna", 5), ("privacy", 1)] + (lotteInCentrum ? [("lotte", 4)] : []) + (sanneInCentrum ? [("sanne", 2)] : [])
        }
        return [("pieter", 5)] + (lotteInCentrum ? [] : [("lotte", 3)]) + (sanneInCentrum ? [] : [("sanne", 2)])
    }

    static let stepTexts: [String: [String]] = [
        "digid-apply": ["Website DigiD aanvragen geopend", "Burgerservicenummer en geboortedatum ingevuld", "Adresgegevens gecontroleerd",
                        "Gebruikersnaam en wachtwoord bedacht", "E-mailadres en telefoonnummer toegevoegd",
                        "Aanvraag verstuurd; de activeringsbrief komt per post"],
        "digid-activate": ["Activeringsbrief erbij gepakt", "Ingelogd met gebruikersnaam en wachtwoord", "Activeringscode uit de brief ingevoerd",
                           "Sms-controle aangezet", "Testcode per sms ontvangen en ingevoerd", "Uitgelegd hoe je voortaan inlogt"],
        "digid-app": ["DigiD-app gedownload uit de app-winkel", "App gekoppeld met gebruikersnaam en wachtwoord", "Pincode van vijf cijfers gekozen",
                      "Identiteitsbewijs gescand met de telefoon", "Koppelcode uit de sms ingevoerd",
                      "Proef gedaan: ingelogd bij MijnOverheid met de app"],
        "allowances": ["Ingelogd bij Mijn toeslagen", "Inkomen voor dit jaar gecontroleerd", "Wijziging in de huur doorgegeven",
                       "Gegevens van de partner aangevuld", "Voorschot opnieuw berekend", "Wijziging verstuurd en bevestiging bewaard"],
        "tax-return": ["Ingelogd bij Mijn Belastingdienst", "Vooringevulde aangifte geopend", "Jaaropgaven vergeleken met de vooringevulde bedragen",
                       "Zorgkosten en giften nagelopen", "Uitkomst van de berekening samen bekeken", "Aangifte ondertekend en verstuurd"],
        "government-inbox": ["Ingelogd bij MijnOverheid", "Berichtenbox geopend", "Ongelezen berichten samen doorgenomen",
                             "Belangrijke brief gedownload als pdf", "Brief uitgeprint voor de eigen administratie",
                             "E-mailmelding voor nieuwe berichten aangezet"],
        "benefits-uwv": ["Ingelogd bij Mijn UWV", "Inkomstenopgave van deze maand ingevuld", "Wijziging in werkuren doorgegeven",
                         "Betaalspecificatie gedownload", "Vraag gesteld via het contactformulier", "Bevestiging van het UWV opgeslagen"],
        "pension-svb": ["Ingelogd bij Mijn SVB", "Betaaldata van de AOW opgezocht", "Jaaropgave gedownload", "Loonheffingskorting gecontroleerd",
                        "Adreswijziging nagekeken", "Uitgelegd waar de brieven van de SVB staan"],
        "student-finance": ["Ingelogd bij Mijn DUO", "Stand van de studieschuld bekeken", "Maandbedrag van de terugbetaling gecontroleerd",
                            "Draagkrachtmeting uitgelegd", "Nieuw rekeningnummer doorgegeven", "Overzicht opgeslagen als pdf"],
        "mobile-banking": ["Bank-app gedownload", "Identificatie gedaan met pas en paslezer", "Vijfcijferige code voor de app gekozen",
                           "Saldo en laatste betalingen bekeken", "Limiet voor overboekingen uitgelegd",
                           "Uitgelegd hoe je een nepbericht van de bank herkent"],
        "pay-bill": ["Rekening en betaalkenmerk erbij gepakt", "Bank-app geopend", "Nieuwe overboeking klaargezet",
                     "IBAN en betaalkenmerk overgenomen", "Bedrag gecontroleerd en betaling bevestigd", "Betaling teruggezien in het overzicht"],
        "payment-request": ["Betaalverzoek in WhatsApp geopend", "Afzender en bedrag gecontroleerd", "Uitgelegd hoe je een vals betaalverzoek herkent",
                            "Betaald met de bank-app", "Zelf een betaalverzoek gemaakt", "Betaalverzoek gedeeld met de kleinzoon"],
        "passwords-codes": ["Wachtwoordkluis op de telefoon uitgelegd", "Nieuw sterk wachtwoord bedacht", "Wachtwoord van het e-mailadres gewijzigd",
                            "Pincode van de bank-app opnieuw ingesteld", "Tweestapsverificatie aangezet", "Codes veilig opgeschreven in het boekje"],
        "appointments": ["Website van de gemeente geopend", "Product gekozen: paspoort verlengen", "Datum en tijd uitgezocht",
                         "Contactgegevens ingevuld", "Afspraak bevestigd", "Bevestigingsmail teruggevonden en in de agenda gezet"],
        "forms": ["Formulier opgezocht op de website", "Persoonsgegevens ingevuld", "Vragen over het inkomen samen doorgelopen",
                  "Bijlagen gescand met de telefoon", "Formulier nagelezen", "Formulier digitaal verstuurd"],
        "phone-tablet-basics": ["Telefoon aangezet en ontgrendeld", "Letters groter gezet", "Wifi van de bibliotheek gekozen",
                                "App geïnstalleerd uit de app-winkel", "Foto gemaakt en teruggezocht", "Videobellen geoefend"],
        "library-account": ["Bibliotheekpas erbij gepakt", "Account aangemaakt op de website", "Pasnummer gekoppeld aan het account",
                            "Boek gereserveerd", "Uitleentermijn verlengd", "Luisterboeken-app gekoppeld"],
        "learn-computer": ["Computer aangezet en ingelogd", "Muis en toetsenbord geoefend", "Internet geopend en een website gezocht",
                           "E-mail gelezen en beantwoord", "Bijlage opgeslagen in een map", "Document uitgeprint"],
    ]
    static let genericSteps = ["Vraag samen doorgenomen", "Website van de instantie opgezocht", "Gegevens ingevuld", "Samen gecontroleerd",
                               "Verstuurd en bevestiging bewaard", "Uitgelegd hoe het de volgende keer gaat"]
    static let onBehalfReasons = ["Klant kon de kleine letters op het scherm niet lezen.", "Typen lukte niet door trillende handen.",
                                  "Klant vond het spannend en wilde eerst zien hoe het gaat.", "De sms-code verliep bijna; tijd drong.",
                                  "Taalbarrière: uitgelegd met de vertaalapp, zelf ingevuld.", "Klant vroeg het over te nemen na twee mislukte pogingen."]
    static let partlyDetails = ["Aanvraag gestart; klant stuurt de bewijsstukken zelf na.", "Eerste deel gedaan, de rest volgende keer samen afmaken.",
                                "Klant wacht eerst de brief met de code af.", "Inloggen gelukt, wijziging nog niet doorgegeven: gegevens ontbraken."]
    static let handovers = ["Vraag en klantnummer doorgegeven; de partner belt de klant terug.", "Afspraak gemaakt bij de partner, brief meegegeven.",
                            "Samen het contactformulier van de partner ingevuld.", "Klant gaat met de uitgeprinte samenvatting naar het spreekuur."]
    static let impossibleReasons = ["Klant had het identiteitsbewijs niet bij zich.", "De website van de instantie was in storing.",
                                    "Activeringscode verlopen; een nieuwe moet per post komen.", "Klant wilde niet dat we namens hem inloggen."]
    static let sessionNotes = ["Klant wil de volgende keer zelf proberen, met het stappenkaartje.", "Leesbril vergeten; letters op het scherm groter gezet.",
                               "Dochter komt de volgende keer mee.", "Klant was zenuwachtig voor de telefoon; rustig aan gedaan.",
                               "Stappenkaartje meegegeven.", "Klant komt terug als de brief met de code binnen is."]
    static let channelNames: [PreferredChannel: String] = [.phone: "Telefoon", .letter: "Brief", .email: "E-mail", .app: "App", .inPerson: "Langskomen"]

    /// The generator of the sessions, their contacts and follow-ups, and a few staff calls.
    struct History {
        struct Slot {
            var start: Date
            var minutes: Int
            var branch: String
            var kiosk: String
            var staff: String
            var waiting: Int
            var taskCount: Int
            var taken = false
            var person: Int?
            var learnedTask: String?
            var visit = 0
        }

        let catalog: TaskCatalog
        let staff: [String: Staff]
        let people: [Person]
        let now: Date
        var dice = Dice(state: 20260601)
        var calendar: Calendar
        /// The start of today: the history depends on the day of `now`, not on its time.
        let today: Date
        /// The first day a customer's sessions may be logged into their record: the day after their consent.
        let loggedFrom: [Date?]
        var slots: [Slot] = []
        var sessions: [AssistedSession] = []
        var contacts: [Contact] = []
        var followUps: [FollowUp] = []
        var staffCalls: [StaffCall] = []
        /// Earlier visits per customer and task, as the store counts them.
        var visits: [Int: [String: Int]] = [:]

        init(catalog: TaskCatalog, staff: [String: Staff], people: [Person], now: Date) {
            self.catalog = catalog
            self.staff = staff
            self.people = people
            self.now = now
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: DemoData.timeZone)!
            self.calendar = calendar
            today = calendar.startOfDay(for: now)
            loggedFrom = people.map { person in
                person.consentAt.flatMap { calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: $0)) }
            }
        }

        mutating func generate() {
            makeSlots()
            planLearners()
            for index in slots.indices.sorted(by: { slots[$0].start < slots[$1].start }) { makeSession(slots[index]) }
        }

        // MARK: When, where and by whom

        mutating func makeSlots() {
            let hours = Dictionary(uniqueKeysWithValues: DemoData.branches.map { ($0.code, (try? WeeklyHours.parse($0.hours)) ?? WeeklyHours()) })
            let closed = Set(DemoData.closures(around: now).map { $0.year * 10_000 + $0.month * 100 + $0.day })
            // Up to yesterday: what is done today (in tests, on the insights of today) is all one's own.
            for back in (1...DemoData.historyDays).reversed() {
                guard let day = calendar.date(byAdding: .day, value: -back, to: today) else { continue }
                let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
                guard let year = parts.year, let month = parts.month, let date = parts.day, let weekday = parts.weekday,
                    !closed.contains(year * 10_000 + month * 100 + date) else { continue }
                let isoDay = (weekday + 5) % 7 + 1
                for (code, _, _) in DemoData.branches {
                    let periods = hours[code]?.periods(isoWeekday: isoDay) ?? []
                    guard !periods.isEmpty else { continue }
                    let count = code == "centrum"
                        ? [1: dice.int(2...5), 4: dice.int(6...10), 6: dice.int(2...5)][isoDay] ?? dice.int(4...8)
                        : [4: dice.int(2...5), 5: dice.int(0...2)][isoDay] ?? dice.int(1...4)
                    makeSlots(count: count, day: day, isoDay: isoDay, branch: code, periods: periods)
                }
            }
        }

        mutating func makeSlots(count: Int, day: Date, isoDay: Int, branch: String, periods: [WeeklyHours.Period]) {
            var planned: [(start: Int, minutes: Int, tasks: Int, waiting: Int)] = []
            for _ in 0..<count {
                let tasks = dice.weighted([(1, 62), (2, 29), (3, 9)])
                let minutes = (0..<tasks).reduce(0) { total, _ in total + dice.int(9...20) } + dice.int(3...8)
                let period = dice.weighted(periods.map { ($0, $0.closes - $0.opens) })
                guard period.closes - minutes > period.opens else { continue }
                // Short waits mostly, now and then a long one.
                let waiting = min(dice.int(0...600), dice.int(0...600)) + (dice.chance(12) ? dice.int(300...1_200) : 0)
                planned.append((dice.int(period.opens...(period.closes - minutes)), minutes, tasks, waiting))
            }
            planned.sort { $0.start < $1.start }
            let kioskNames = DemoData.kiosks.filter { $0.branch == branch && $0.kind == .customer }.map(\.name)
            var kioskFree = Dictionary(uniqueKeysWithValues: kioskNames.map { ($0, 0) })
            var staffFree: [String: Int] = [:]
            let roster = DemoData.roster(branch: branch, isoWeekday: isoDay)
            for plan in planned {
                // The kiosk that is free first; a customer who finds both taken waits a little longer.
                guard let kiosk = kioskNames.min(by: { kioskFree[$0]! < kioskFree[$1]! }) else { continue }
                var start = plan.start, waiting = plan.waiting
                if kioskFree[kiosk]! > start {
                    let delay = kioskFree[kiosk]! - start + dice.int(1...4)
                    start += delay
                    waiting += delay * 60
                }
                guard periods.contains(where: { $0.opens <= start && start + plan.minutes <= $0.closes }) else { continue }
                let available = roster.filter { (staffFree[$0.0] ?? 0) <= start }
                guard !available.isEmpty else { continue }
                let member = dice.weighted(available)
                let startDate = day.addingTimeInterval(Double(start * 60 + dice.int(0...59)))
                kioskFree[kiosk] = start + plan.minutes + dice.int(1...3)
                staffFree[member] = start + plan.minutes + dice.int(1...5)
                slots.append(Slot(start: startDate, minutes: plan.minutes, branch: branch, kiosk: kiosk, staff: member, waiting: waiting,
                                  taskCount: plan.tasks))
            }
        }

        // MARK: Who

        /// Customers who come back for the same task 2 to 5 times, one to five weeks apart; the rest of the
        /// visits go to customers at random (mostly with consent to log sessions) or stay anonymous.
        mutating func planLearners() {
            let byBranch = Dictionary(grouping: slots.indices, by: { slots[$0].branch })
            let first = slots.map(\.start).min() ?? today
            for index in people.indices {
                guard let consentDay = loggedFrom[index], dice.chance(48) else { continue }
                let home = dice.chance(72) ? "centrum" : "stadskantoor"
                let learnable = (DemoData.learnedTasks[home] ?? []).filter { catalog.task($0) != nil }
                guard !learnable.isEmpty, let branchSlots = byBranch[home] else { continue }
                let task = dice.pick(learnable)
                var count = dice.int(2...4) + (dice.chance(25) ? 1 : 0)
                let earliest = max(first, consentDay)
                var latest = today.addingTimeInterval(-Double(count - 1) * 10 * 86_400 - 86_400)
                while latest <= earliest && count > 2 {
                    count -= 1
                    latest = today.addingTimeInterval(-Double(count - 1) * 10 * 86_400 - 86_400)
                }
                guard latest > earliest else { continue }
                var target = earliest.addingTimeInterval(Double(dice.int(0...Int(latest.timeIntervalSince(earliest)))))
                for visit in 0..<count {
                    guard let slot = branchSlots.first(where: { !slots[$0].taken && slots[$0].start >= target }) else { break }
                    slots[slot].taken = true
                    slots[slot].person = index
                    slots[slot].learnedTask = task
                    slots[slot].visit = visit
                    slots[slot].taskCount = min(slots[slot].taskCount, 2)
                    target = slots[slot].start.addingTimeInterval(Double(dice.int(7...35)) * 86_400)
                }
            }
            let consenting = people.indices.filter { loggedFrom[$0] != nil }
            for slot in slots.indices where !slots[slot].taken {
                slots[slot].taken = true
                guard dice.chance(70), !consenting.isEmpty else { continue }
                for _ in 0..<6 {
                    let candidate = dice.pick(consenting)
                    if let from = loggedFrom[candidate], from <= slots[slot].start {
                        slots[slot].person = candidate
                        break
                    }
                }
            }
        }

        // MARK: What happened

        static func difficulty(_ task: String) -> Int { DemoData.hardTasks.contains(task) ? 1 : DemoData.easyTasks.contains(task) ? -1 : 0 }

        mutating func chooseTasks(_ slot: Slot) -> [TaskCatalog.Task] {
            var chosen: [TaskCatalog.Task] = []
            if let learned = slot.learnedTask, let task = catalog.task(learned) { chosen.append(task) }
            // Now and then someone comes back for something they were helped with before.
            if let person = slot.person, chosen.isEmpty, dice.chance(25), let earlier = visits[person]?.keys.sorted(), !earlier.isEmpty,
                let task = catalog.task(dice.pick(earlier)) {
                chosen.append(task)
            }
            let month = calendar.component(.month, from: slot.start)
            var weights = (DemoData.taskWeights[slot.branch] ?? []).compactMap { id, weight in
                catalog.task(id).map { ($0, id == "tax-return" && (3...5).contains(month) ? weight * 4 : weight) }
            }
            if weights.isEmpty { weights = catalog.tasks.map { ($0, 1) } }
            var attempts = 0
            while chosen.count < slot.taskCount && attempts < 20 {
                attempts += 1
                let task = dice.weighted(weights)
                if !chosen.contains(where: { $0.id == task.id }) { chosen.append(task) }
            }
            return chosen
        }

        /// Who did a step: the more often the customer came for the task, the more they do alone.
        mutating func actor(level: Int, difficulty: Int, learning: Bool) -> StepActor {
            var (staffShare, helped, alone): (Int, Int, Int)
            if learning {
                (staffShare, helped, alone) = [(80, 20, 0), (10, 75, 15), (0, 30, 70)][safe: level] ?? (0, 5, 95)
            } else {
                (staffShare, helped, alone) = [(25, 55, 20), (12, 53, 35), (5, 30, 65)][safe: level] ?? (2, 15, 83)
                let shift = difficulty * 10
                staffShare = max(0, staffShare + shift)
                alone = max(0, alone - shift)
            }
            return dice.weighted([(.staffOnBehalf, staffShare), (.customerWithHelp, helped), (.customerAlone, alone)])
        }

        mutating func outcome(_ task: TaskCatalog.Task, difficulty: Int, level: Int, start: Date, staffName: String,
                              channel: PreferredChannel?) -> TaskOutcome {
            var weights = difficulty > 0 ? [50, 17, 15, 12, 6] : difficulty < 0 ? [85, 6, 3, 3, 3] : [70, 10, 8, 7, 5]
            if level >= 1 { weights[0] += 10 * min(level, 2) }
            switch dice.weighted(Array(zip(0..<5, weights))) {
            case 1: return .partly(dice.pick(DemoData.partlyDetails))
            case 2 where !task.partners.isEmpty: return .referred(partner: dice.pick(task.partners), handover: dice.pick(DemoData.handovers))
            case 3:
                let day = calendar.startOfDay(for: start.addingTimeInterval(Double(dice.int(2...10)) * 86_400))
                return .followUp(who: dice.chance(75) ? staffName : "Formulierenhulp", due: day.addingTimeInterval(10 * 3_600),
                                 channel: channel ?? .phone)
            case 4: return .notPossible(reason: dice.pick(DemoData.impossibleReasons))
            default: return .resolved
            }
        }

        mutating func makeSession(_ slot: Slot) {
            guard let member = staff[slot.staff], let staffID = member.id else { return }
            let person = slot.person.map { people[$0] }
            let tasks = chooseTasks(slot)
            guard !tasks.isEmpty else { return }
            let learning = slot.learnedTask != nil
            // How far a learner is with their task: this visit of the plan, or further when they came for it in between.
            let learnLevel = max(slot.visit, slot.learnedTask.flatMap { task in slot.person.flatMap { visits[$0]?[task] } } ?? 0)
            var session = AssistedSession(
                customerID: person?.id, staffID: staffID, kiosk: slot.kiosk, branch: slot.branch, startedAt: slot.start,
                finishedAt: slot.start.addingTimeInterval(Double(slot.minutes) * 60), waitingSeconds: slot.waiting, phase: .closed,
                language: person?.language ?? (dice.chance(80) ? "nl" : dice.pick(["en", "tr", "ar", "pl", "uk"])))
            let segment = Double(max(1, slot.minutes - 3)) * 60 / Double(tasks.count)
            var worst = 0
            for (index, task) in tasks.enumerated() {
                let earlier = slot.person.flatMap { visits[$0]?[task.id] } ?? 0
                let level = person == nil ? dice.weighted([(0, 3), (1, 1)]) : earlier
                let isLearned = learning && task.id == slot.learnedTask
                let difficulty = Self.difficulty(task.id)
                let addedAt = slot.start.addingTimeInterval(60 + Double(index) * segment)
                let texts = DemoData.stepTexts[task.id] ?? DemoData.genericSteps
                let stepCount = isLearned ? dice.int(3...5) : difficulty > 0 ? dice.int(3...6) : difficulty < 0 ? dice.int(1...4) : dice.int(2...5)
                for step in 0..<min(stepCount, texts.count) {
                    let who = actor(level: isLearned ? learnLevel : level, difficulty: difficulty, learning: isLearned)
                    session.steps.append(SessionStep(
                        sessionTaskID: Int64(index), description: texts[step], actor: who,
                        reason: who == .staffOnBehalf ? dice.pick(DemoData.onBehalfReasons) : nil,
                        at: addedAt.addingTimeInterval(segment * Double(step + 1) / Double(stepCount + 1))))
                }
                let result = outcome(task, difficulty: difficulty, level: isLearned ? learnLevel : level, start: slot.start,
                                     staffName: member.fullName, channel: person?.channel)
                switch result {
                case .resolved: worst = min(worst, 0)
                case .followUp: worst = min(worst, 0)
                case .partly, .referred: worst = min(worst, -1)
                case .notPossible: worst = min(worst, -2)
                }
                session.tasks.append(SessionTask(taskID: task.id, names: task.names, group: task.group, outcome: result, addedAt: addedAt))
            }
            // The customer's two answers.
            let actors = session.steps.map(\.actor)
            let aloneShare = Double(actors.filter { $0 == .customerAlone }.count) / Double(max(1, actors.count))
            let staffShare = Double(actors.filter { $0 == .staffOnBehalf }.count) / Double(max(1, actors.count))
            if learning {
                session.selfReliance = [.notYet, .withALittleHelp][safe: learnLevel] ?? .yes
            } else if dice.chance(93) {
                session.selfReliance = dice.chance(10) ? dice.pick(SelfReliance.allCases)
                    : staffShare >= 0.5 ? .notYet : aloneShare >= 0.6 ? .yes : .withALittleHelp
            }
            if dice.chance(94) {
                let difficulty = tasks.map { Self.difficulty($0.id) }.max() ?? 0
                let noise = dice.weighted([(-1, 25), (0, 50), (1, 25)])
                session.effortScore = min(7, max(1, 6 - difficulty + worst + noise))
            }
            if dice.chance(65) {
                switch session.selfReliance {
                case .yes?: session.channelAdvice = dice.pick([.app, .app, .email])
                case .withALittleHelp?: session.channelAdvice = dice.pick([.inPerson, .phone, .app])
                case .notYet?: session.channelAdvice = dice.pick([.inPerson, .inPerson, .phone])
                case nil: session.channelAdvice = dice.pick(PreferredChannel.allCases)
                }
            }
            if person != nil, dice.chance(learning && learnLevel == 0 ? 60 : 18) {
                session.notes.append(SessionNote(text: dice.pick(DemoData.sessionNotes), at: session.finishedAt!.addingTimeInterval(-60)))
            }
            if let person {
                record(session, for: person)
                for task in tasks { visits[slot.person!, default: [:]][task.id, default: 0] += 1 }
            }
            // A few calls for staff from the kiosks in the last days.
            if staffCalls.count < 8, today.timeIntervalSince(slot.start) < 4 * 86_400, dice.chance(35) {
                staffCalls.append(StaffCall(kiosk: slot.kiosk, branch: slot.branch, group: dice.chance(80) ? tasks[0].group : nil,
                                            at: slot.start.addingTimeInterval(-Double(dice.int(60...480)))))
            }
            sessions.append(session)
        }

        /// The contact a close adds to the record, and the follow-ups agreed.
        mutating func record(_ session: AssistedSession, for person: Person) {
            let finished = session.finishedAt!
            let minutes = Int(finished.timeIntervalSince(session.startedAt) / 60)
            var summary = session.tasks.map { "\($0.name("nl")): \(outcomeText($0.outcome))" }.joined(separator: "\n")
            summary += "\nDuur: \(minutes) min" + (session.waitingSeconds.map { "; wachttijd: \($0 / 60) min" } ?? "")
            let kinds = Set(session.tasks.compactMap { $0.outcome?.kind })
            contacts.append(Contact(customerID: person.id, channel: .kioskAssisted, at: finished,
                                    topic: String(session.tasks.map { $0.name("nl") }.joined(separator: ", ").prefix(200)),
                                    summary: String(summary.prefix(2000)),
                                    outcome: kinds == ["resolved"] ? "opgelost" : kinds.sorted().joined(separator: ", "), sourceSystem: "balie"))
            for task in session.tasks {
                if case .followUp(let who, let due, let channel) = task.outcome {
                    followUps.append(FollowUp(customerID: person.id, description: "\(task.name("nl")) — \(who)", due: due, channel: channel,
                                              isDone: due < today))
                }
            }
        }

        /// The Dutch outcome texts of the session summary (locales/nl.json, outcome_texts).
        func outcomeText(_ outcome: TaskOutcome?) -> String {
            switch outcome {
            case nil: return ""
            case .resolved?: return "Opgelost"
            case .partly(let detail)?: return "Deels opgelost: \(detail)"
            case .referred(let partner, let handover)?: return "Doorverwezen naar \(catalog.partner(partner)?.name ?? partner): \(handover)"
            case .followUp(let who, let due, let channel)?:
                let day = calendar.dateComponents([.year, .month, .day], from: due)
                let date = String(format: "%02d-%02d-%04d", day.day ?? 0, day.month ?? 0, day.year ?? 0)
                return "\(who) neemt uiterlijk \(date) contact op via \(DemoData.channelNames[channel] ?? channel.rawValue)"
            case .notPossible(let reason)?: return "Kan niet: \(reason)"
            }
        }
    }
}

extension Array {
    fileprivate subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
