import Foundation
import Testing

/// Runs the built `balie` binary, as an operator would.
@Suite struct CommandLineTests {
    static let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/debug/balie").path

    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString).sqlite").path
    }

    @Test func migrateThenCheck() throws {
        let path = temporaryPath()
        let migrated = try run(["migrate", "--database", path])
        #expect(migrated.status == 0)
        #expect(migrated.output.contains("is at migration v"))
        let checked = try run(["check", "--database", path])
        #expect(checked.status == 0)
        #expect(checked.output.trimmingCharacters(in: .whitespacesAndNewlines) == "ok")
    }

    @Test func aSQLiteOnlyCommandRefusesAPostgresAddressPlainly() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let before = try FileManager.default.contentsOfDirectory(atPath: folder)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["check", "--database", "postgres://balie@127.0.0.1:1/balie"]
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(output.contains("This command works on a SQLite file"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == before, "no file named after the address")
    }

    @Test func databaseFromEnvironment() throws {
        let path = temporaryPath()
        #expect(try run(["migrate"], environment: ["BALIE_DATABASE": path]).status == 0)
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test func checkFindsADamagedFile() throws {
        let path = temporaryPath()
        #expect(try run(["migrate", "--database", path]).status == 0)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seek(toOffset: 4096 + 8)
        handle.write(Data(repeating: 0xff, count: 3000))
        try handle.close()
        let result = try run(["check", "--database", path])
        #expect(result.status != 0)
        #expect(!result.output.contains("Usage"))
    }

    @Test func badOptionsGiveAClearError() throws {
        let result = try run(["serve", "--port", "70000", "--database", temporaryPath()])
        #expect(result.status != 0)
        #expect(result.output.contains("port"))
        let env = try run(["serve", "--database", temporaryPath()], environment: ["BALIE_PORT": "eighty"])
        #expect(env.status != 0)
        #expect(env.output.contains("BALIE_PORT"))
    }
}
