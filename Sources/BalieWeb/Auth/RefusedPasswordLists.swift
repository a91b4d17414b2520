import BalieCore
import Foundation

/// Loads the word lists of data/refused-passwords once, for `StaffRules.checkPassword`. The files are
/// mapped, not read: searching them touches a few pages, so half a million words add next to nothing to
/// the server's memory or start-up time.
public enum RefusedPasswordLists {
    public static let defaultDirectory = "data/refused-passwords"
    static let commonFile = "common-passwords.txt"
    static let dictionaryFiles = ["dutch.txt", "english.txt"]

    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }

    public static func load(directory: String) throws -> RefusedPasswords {
        func list(_ name: String) throws -> SortedWordList {
            let path = URL(fileURLWithPath: directory).appendingPathComponent(name).path
            // A missing or empty list would let every common password through unnoticed: refuse to start instead.
            guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped), !data.isEmpty else {
                throw Missing(description: "The list of refused passwords \(path) is missing or empty (see data/refused-passwords/README.md).")
            }
            return SortedWordList(sortedLines: data)
        }
        return RefusedPasswords(common: try list(commonFile), dictionaries: try dictionaryFiles.map(list))
    }
}
