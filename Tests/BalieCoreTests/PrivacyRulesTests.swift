import BalieCore
import Testing

@Suite struct CSVWriterTests {
    @Test func quotesWhatNeedsQuotingAndNothingElse() {
        #expect(CSVWriter.field("plain text") == "plain text")
        #expect(CSVWriter.field("a,b") == "\"a,b\"")
        #expect(CSVWriter.field("zei \"ja\"") == "\"zei \"\"ja\"\"\"")
        #expect(CSVWriter.field("twee\nregels") == "\"twee\nregels\"")
        #expect(CSVWriter.field("twee\r\nregels") == "\"twee\r\nregels\"")
        #expect(CSVWriter.field("") == "")
        #expect(CSVWriter.line(["a", "b,c"]) == "a,\"b,c\"\r\n")
    }

    @Test(arguments: ["=1+1", "+31 6 1234", "-2", "@SUM(A1)", "\tx", "=HYPERLINK(\"http://x\",\"y\")"])
    func neutralisesWhatASpreadsheetWouldRun(_ value: String) throws {
        let field = CSVWriter.field(value)
        // Read back as a spreadsheet would: the cell starts with the quote mark, so it is text.
        let parsed = try CSV.parse("h\r\n" + field + "\r\n")
        #expect(parsed.count == 2)
        #expect(parsed[1].fields == ["'" + value])
    }

    @Test func aDocumentReadsBackFieldForField() throws {
        let rows = [["1", "Yılmaz, Fatma", "zei \"hoi\"\nen ging", "=cmd|' /C calc'!A0"], ["2", "", "-", "@"]]
        let text = CSVWriter.document(header: ["id", "name", "note", "formula"], rows: rows)
        #expect(text.hasPrefix("\u{FEFF}id,name,note,formula\r\n"))
        let parsed = try CSV.parse(text)
        #expect(parsed.map(\.fields) == [["id", "name", "note", "formula"], ["1", "Yılmaz, Fatma", "zei \"hoi\"\nen ging", "'=cmd|' /C calc'!A0"],
                                          ["2", "", "'-", "'@"]])
    }
}

@Suite struct ErasureRulesTests {
    @Test func theReasonIsTrimmedAndBetween3And500Characters() throws {
        #expect(try ErasureRules.reason("  Verzoek van de klant \n") == "Verzoek van de klant")
        #expect(throws: ErasureRules.Problem.reasonMissing) { try ErasureRules.reason("   ") }
        #expect(throws: ErasureRules.Problem.reasonTooShort) { try ErasureRules.reason("ab") }
        #expect(try ErasureRules.reason("abc") == "abc")
        #expect(try ErasureRules.reason(String(repeating: "x", count: 500)).count == 500)
        #expect(throws: ErasureRules.Problem.reasonTooLong) { try ErasureRules.reason(String(repeating: "x", count: 501)) }
    }

    @Test func theReasonMayNotNameTheCustomer() throws {
        let values = ["777001", "Wendelien", "Zwanenburg-Oostdijk"]
        #expect(throws: ErasureRules.Problem.reasonNamesCustomer) { try ErasureRules.reason("Verzoek 777001", customerValues: values) }
        #expect(throws: ErasureRules.Problem.reasonNamesCustomer) { try ErasureRules.reason("mevrouw zwanenburg-oostdijk belde", customerValues: values) }
        #expect(try ErasureRules.reason("Verzoek van de klant (AVG art. 17)", customerValues: values) == "Verzoek van de klant (AVG art. 17)")
    }

    @Test func theConfirmationIsTheNumberTypedAgain() {
        #expect(ErasureRules.confirms(" 777001 ", number: "777001"))
        #expect(ErasureRules.confirms("ab-12", number: "AB-12"))
        #expect(!ErasureRules.confirms("777002", number: "777001"))
        #expect(!ErasureRules.confirms("", number: "777001"))
    }
}
