import Foundation

/// Lower-case words, one a line, sorted by their UTF-8 bytes, searched by bisection over the bytes as they
/// are: no index is built, so a list of 400 000 words costs nothing at start and, when the bytes are a
/// memory map of the file, only the pages a search touches are in memory.
public struct SortedWordList: Sendable {
    private let bytes: Data

    /// `sortedLines` must be sorted by bytes (`LC_ALL=C sort -u`); data/refused-passwords/README.md.
    public init(sortedLines: Data) { bytes = sortedLines }

    public var isEmpty: Bool { bytes.isEmpty }

    public func contains(_ word: String) -> Bool {
        let key = Array(word.utf8)
        guard !key.isEmpty, !key.contains(0x0A) else { return false }
        // `low` and `high` are always at the start of a line (or the end), so the line around the middle
        // lies between them.
        var low = bytes.startIndex, high = bytes.endIndex
        while low < high {
            let middle = low + (high - low) / 2
            var start = middle
            while start > low && bytes[start - 1] != 0x0A { start -= 1 }
            var end = middle
            while end < high && bytes[end] != 0x0A { end += 1 }
            switch compare(start..<end, key) {
            case 0: return true
            case ..<0: low = end + 1
            default: high = start
            }
        }
        return false
    }

    /// The line's bytes against the key, as `memcmp` orders them.
    private func compare(_ line: Range<Data.Index>, _ key: [UInt8]) -> Int {
        var index = line.lowerBound
        for byte in key {
            guard index < line.upperBound else { return -1 }
            if bytes[index] != byte { return bytes[index] < byte ? -1 : 1 }
            index += 1
        }
        return index < line.upperBound ? 1 : 0
    }
}

/// What a new password may not be (ASVS 5.0 V6.2.4, V6.2.11): a commonly breached password, or a word of a
/// dictionary on its own, also with digits or signs around it ("Wachtwoord2026!"). The lists are loaded once
/// by the caller (BalieWeb's `RefusedPasswordLists`) and handed over as values, so the rule stays free of I/O.
public struct RefusedPasswords: Sendable {
    public var common: SortedWordList
    public var dictionaries: [SortedWordList]

    public init(common: SortedWordList, dictionaries: [SortedWordList]) {
        self.common = common
        self.dictionaries = dictionaries
    }

    /// Keyboard and counting runs that begin many passwords and are on no word list.
    static let runs = ["123456789012", "qwertyuiopas", "azertyuiopqs", "1q2w3e4r5t6y", "abcdefghijkl"]

    /// The password in the form the lists hold: NFC, lower case.
    static func folded(_ text: String) -> String { text.precomposedStringWithCanonicalMapping.lowercased() }

    /// The password without digits, signs and spaces before and after: "wachtwoord" of "wachtwoord2026!".
    static func stem(_ folded: String) -> String {
        let isAround: (Character) -> Bool = { $0.isNumber || $0.isPunctuation || $0.isSymbol || $0.isWhitespace }
        guard let first = folded.firstIndex(where: { !isAround($0) }), let last = folded.lastIndex(where: { !isAround($0) }) else { return "" }
        return String(folded[first...last])
    }

    func isCommon(_ folded: String, stem: String) -> Bool {
        common.contains(folded) || (!stem.isEmpty && common.contains(stem)) || Self.runs.contains(where: folded.hasPrefix)
    }

    func isDictionaryWord(_ folded: String, stem: String) -> Bool {
        dictionaries.contains { $0.contains(folded) || (!stem.isEmpty && $0.contains(stem)) }
    }

    /// The username, the full name (with or without spaces) or a part of the name of 4 letters or more,
    /// as the whole password or with only digits and signs around it.
    static func isPersonal(_ folded: String, stem: String, username: String, fullName: String) -> Bool {
        let name = Self.folded(fullName)
        let parts = name.split(whereSeparator: { !$0.isLetter }).filter { $0.count >= 4 }.map(String.init)
        var personal = Set([Self.folded(username), name, name.filter { !$0.isWhitespace }] + parts)
        personal.remove("")
        return personal.contains(folded) || personal.contains(stem)
    }
}
