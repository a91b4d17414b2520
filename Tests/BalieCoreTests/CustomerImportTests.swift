import BalieCore
import Foundation
import Testing

@Suite struct CustomerImportTests {
    static let header = "customer_number,given_name,family_name,birth_date,postcode,phone,email,preferred_channel,language\n"

    @Test func parsesQuotedFieldsAcrossLines() throws {
        let records = try CSV.parse("a,b\n\"x, y\",\"say \"\"hi\"\"\nthere\"\nlast,row")
        #expect(records.map(\.line) == [1, 2, 4])
        #expect(records[1].fields == ["x, y", "say \"hi\"\nthere"])
        #expect(records[2].fields == ["last", "row"])
    }

    @Test func refusesAnUnclosedQuote() {
        do {
            _ = try CSV.parse("a\n\"open")
            Issue.record("an unclosed quote was accepted")
        } catch {
            #expect(error.line == 2)
        }
    }

    @Test func readsCustomers() throws {
        let customers = try CustomerImport.customers(fromCSV: Self.header
            + "100234,Fatma,Yılmaz,1951-04-02,3512ab,06-12345678,f@example.nl,phone,tr\n"
            + "100235,Jan,de Vries,,,,,,\n")
        #expect(customers.count == 2)
        #expect(customers[0].postcode == "3512 AB")
        #expect(customers[0].birthDate == BirthDate(year: 1951, month: 4, day: 2))
        #expect(customers[0].preferredChannel == .phone)
        #expect(customers[1].birthDate == nil && customers[1].postcode == nil)
    }

    @Test func reportsEveryBadRowWithItsLine() {
        do {
            _ = try CustomerImport.customers(fromCSV: Self.header
                + "100234,Fatma,Yılmaz,1951-02-30,3512AB,,,,\n"
                + "100235,Jan,de Vries,1950-01-01,12345,,,,\n"
                + "100236,Piet,Bos,1950-01-01,,,,fax,\n"
                + "100240,Anna,Bos,,,,,,\n"
                + "100240,Anna,Bos,,,,,,\n")
            Issue.record("a bad file was accepted")
        } catch {
            #expect(error.problems.map(\.line) == [2, 3, 4, 6])
            #expect(error.problems[0].reason.contains("birth_date"))
            #expect(error.problems[1].reason.contains("postcode"))
            #expect(error.problems[2].reason.contains("preferred_channel"))
            #expect(error.problems[3].reason.contains("line 5"))
        }
    }

    @Test func refusesAWrongHeader() {
        #expect(throws: CustomerImport.Refused.self) { try CustomerImport.customers(fromCSV: "number,name\n1,x\n") }
    }

    @Test func readsContacts() throws {
        let contacts = try CustomerImport.contacts(fromCSV: "customer_number,channel,at,topic,summary,outcome\n"
            + "100234,phone,2026-11-02T10:15:00Z,Huurtoeslag,\"Belde, twee keer\",uitgelegd\n", sourceSystem: "crm")
        #expect(contacts.count == 1)
        #expect(contacts[0].customerNumber == "100234")
        #expect(contacts[0].contact.channel == .phone)
        #expect(contacts[0].contact.summary == "Belde, twee keer")
    }

    @Test func contactTimesAreReadStrictly() {
        #expect(CustomerRules.timestamp("2026-11-02T10:15:00Z") == Date(timeIntervalSince1970: 1_793_614_500))
        #expect(CustomerRules.timestamp("2026-11-02 10:15") == Date(timeIntervalSince1970: 1_793_614_500))
        #expect(CustomerRules.timestamp(" 2026-11-02T11:15:00+01:00 ") == Date(timeIntervalSince1970: 1_793_614_500))
        for impossible in ["2026-02-30T10:00:00Z", "2026-02-30 10:00", "2026-11-02 24:30", "2026-13-01 10:00", "2026-11-02T10:15:00"] {
            #expect(CustomerRules.timestamp(impossible) == nil, "\(impossible)")
        }
    }

    @Test func birthDatesInBothNotations() {
        #expect(BirthDate(dutch: "7-3-1948") == BirthDate(iso: "1948-03-07"))
        #expect(BirthDate(dutch: "31-02-1948") == nil)
        #expect(BirthDate(iso: "1948-3-7") == nil)
        #expect(BirthDate(iso: "1948-03-07")?.dutch == "07-03-1948")
    }
}
