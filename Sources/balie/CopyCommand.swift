import ArgumentParser
import BalieCore
import BalieStore
import Foundation

/// `balie copy`: a branch box's SQLite file into the central PostgreSQL database, or into another SQLite file (issue #19,
/// moving boxes together).
struct CopyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy a branch box's whole history from its SQLite file into the central PostgreSQL database or another SQLite file.",
        discussion: """
            Copied, in this order: \(StoreCopy.copiedTables.joined(separator: ", ")).
            Merged with what the target has already: customers by customer number (the target's row stays; the box's
            contacts, consents, messages, follow-ups and sessions are added to it), staff by username, branches by code,
            kiosks by branch and name, API tokens by token hash (a token whose name is taken gets "-2" added), contacts
            by customer, channel, time and topic. Every other row gets a new id, and every reference follows it.
            Not copied: \(StoreCopy.tablesLeftBehind.joined(separator: ", ")) (each database's own keys, sign-ins,
            one-time codes and API replays), nor SQLite's own tables (the customer_name search index, grdb_migrations).
            The copy is one transaction: if it fails, the target is left as it was. Running it again copies only rows
            the box got since (rows copied before are not updated). The audit trail gets the box's rows and one row
            for the copy. Progress goes to standard error, the summary to standard output.
            """)

    @Option(help: "The branch box's SQLite file.") var from: String
    @Option(help: "Where to: the central PostgreSQL database, postgres://… (env BALIE_DATABASE_URL), or another SQLite file (made when missing).")
    var to: String?

    func run() throws {
        guard let address = to ?? Environment.value("DATABASE_URL"), !address.isEmpty else {
            throw CommandError("Give the target with --to postgres://… or --to FILE.sqlite.")
        }
        guard FileManager.default.fileExists(atPath: from) else { throw CommandError("There is no file \(from).") }
        let box: AppDatabase
        do {
            box = try AppDatabase(path: from, readers: 1)
        } catch {
            throw CommandError("Cannot open the box's database \(from): \(error)")
        }
        let terminal = isatty(STDERR_FILENO) == 1
        let report: (StoreCopy.Progress) -> Void = { progress in
            let line = "\(progress.label) \(Self.grouped(progress.done))/\(Self.grouped(progress.total))"
            if terminal {
                FileHandle.standardError.write(Data(("\r" + line + "\u{1B}[K" + (progress.finished ? "\n" : "")).utf8))
            } else if progress.finished {
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
        }
        let summary: StoreCopy.Summary
        do {
            if DatabaseOptions.isPostgres(address) {
                let target: PostgresStore
                do {
                    target = try PostgresStore(address: address, connections: 1, statementTimeoutMilliseconds: 300_000)
                } catch {
                    throw CommandError("Cannot open the PostgreSQL database: \(error)")
                }
                summary = try StoreCopy.copy(from: box, to: target, progress: report)
            } else {
                let target: AppDatabase
                do {
                    target = try AppDatabase(path: address, readers: 1)
                } catch {
                    throw CommandError("Cannot open the target database \(address): \(error)")
                }
                summary = try StoreCopy.copy(from: box, to: target, progress: report)
            }
        } catch let error as CommandError {
            throw error
        } catch {
            if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
            throw CommandError("Nothing copied from \(from): \(error)")
        }
        print(Self.report(summary))
    }

    /// The summary: per table what was copied, merged and copied before, then the totals.
    static func report(_ summary: StoreCopy.Summary) -> String {
        let width = summary.tables.map(\.label.count).max() ?? 0
        var lines = summary.tables.map { count in
            count.label.padding(toLength: width, withPad: " ", startingAt: 0)
                + "  \(grouped(count.copied)) copied, \(grouped(count.merged)) merged" + (count.earlier > 0 ? ", \(grouped(count.earlier)) copied before" : "")
        }
        if summary.copied + summary.merged == 0 {
            lines.append("Nothing new to copy: all \(grouped(summary.earlier)) rows of this box were copied before.")
        } else {
            lines.append("\(grouped(summary.copied)) rows copied, \(grouped(summary.merged)) merged with rows the database had already"
                         + (summary.earlier > 0 ? ", \(grouped(summary.earlier)) copied before." : "."))
        }
        return lines.joined(separator: "\n")
    }

    /// 3400 as "3 400".
    static func grouped(_ number: Int) -> String {
        let digits = Array(String(number.magnitude))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(" ") }
            out.append(digit)
        }
        return (number < 0 ? "-" : "") + out
    }
}
