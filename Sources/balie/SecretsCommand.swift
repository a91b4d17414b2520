import ArgumentParser
import BalieCore
import BalieStore
import Foundation

/// Where the secrets key is (SecretsKey), for every command that needs it.
struct SecretsKeyOptions: ParsableArguments {
    @Option(help: "The secrets key file (env BALIE_SECRETS_KEY_FILE; default: balie-secrets.key beside a SQLite database; required on PostgreSQL).")
    var secretsKeyFile: String?

    static let defaultName = "balie-secrets.key"

    /// The file named, else the default beside the SQLite file; nil on PostgreSQL without one named.
    func path(database: DatabaseOptions) -> String? {
        if let given = secretsKeyFile ?? Environment.value("SECRETS_KEY_FILE") { return given }
        guard database.postgresAddress == nil else { return nil }
        let folder = (database.path as NSString).deletingLastPathComponent
        return folder.isEmpty ? Self.defaultName : folder + "/" + Self.defaultName
    }

    /// Reads the key. A SQLite box without a key file gets one made at first start (`createIfMissing`): one box,
    /// one key, nothing to share. A central deployment must be given the one file all its instances share.
    func load(database: DatabaseOptions, createIfMissing: Bool) throws -> SecretsKey {
        guard let path = path(database: database) else {
            throw CommandError("A PostgreSQL deployment needs the secrets key file every instance shares: give --secrets-key-file (make it once with `balie secrets init --secrets-key-file PATH`).")
        }
        if !FileManager.default.fileExists(atPath: path) {
            guard createIfMissing else { throw CommandError("No secrets key file at \(path); make one with `balie secrets init`.") }
            try SecretsKeyFile.write(.generate(), to: path)
            FileHandle.standardError.write(Data("Made a new secrets key in \(path) (0600); keep it with the database's backups, apart from them.\n".utf8))
        }
        return try SecretsKeyFile.read(path)
    }
}

/// The key file on disk: written 0600 in one step (a temporary file renamed), refused when others may read it.
enum SecretsKeyFile {
    static func write(_ key: SecretsKey, to path: String) throws {
        let temporary = path + ".new-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw CommandError("Cannot write \(temporary): \(String(cString: strerror(errno))).") }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: Data(key.fileText(madeAt: Date()).utf8))
            try handle.synchronize()
            try handle.close()
        } catch {
            unlink(temporary)
            throw CommandError("Cannot write \(temporary): \(error).")
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw CommandError("Cannot put the key in \(path): \(String(cString: strerror(errno))).")
        }
    }

    static func read(_ path: String) throws -> SecretsKey {
        var status = stat()
        guard stat(path, &status) == 0 else { throw CommandError("Cannot read the secrets key file \(path): \(String(cString: strerror(errno))).") }
        guard status.st_mode & 0o077 == 0 else {
            throw CommandError("The secrets key file \(path) may be read by others (mode \(String(status.st_mode & 0o777, radix: 8))); run chmod 600 \(path).")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CommandError("Cannot read the secrets key file \(path).") }
        do { return try SecretsKey(fileText: text) } catch { throw CommandError("\(path): \(error)") }
    }
}

struct SecretsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secrets", abstract: "The key that encrypts second-factor secrets and seals the audit trail.",
        subcommands: [Init.self])

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a new secrets key file (0600); refuses to overwrite one.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var secrets: SecretsKeyOptions

        func run() throws {
            guard let path = secrets.path(database: database) else { throw CommandError("Give --secrets-key-file PATH.") }
            guard !FileManager.default.fileExists(atPath: path) else {
                throw CommandError("\(path) exists; `balie secrets rotate` replaces a key (keeping what it protects readable).")
            }
            try SecretsKeyFile.write(.generate(), to: path)
            print("Made \(path) (0600). Copy the same file to every instance; keep a copy apart from the database backups.")
        }
    }
}
