import Foundation

/// Names as search compares them: lower case, without accents, and with the letters that are not
/// accented forms folded by hand ("Yılmaz" → "yilmaz", "Wiśniewska" → "wisniewska", "Łukasz" → "lukasz").
public enum SearchText {
    private static let letters: [Character: String] = [
        "ı": "i", "ł": "l", "ø": "o", "ß": "ss", "đ": "d", "æ": "ae", "œ": "oe", "ð": "d", "þ": "th",
    ]

    public static func fold(_ text: String) -> String {
        let basic = text.lowercased().folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
        var result = ""
        result.reserveCapacity(basic.utf8.count)
        for character in basic {
            if let replacement = letters[character] { result += replacement } else { result.append(character) }
        }
        return result
    }
}
