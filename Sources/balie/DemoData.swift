import BalieCore
import BalieStore
import BalieWeb
import Foundation

/// Demo content for `serve --demo`, added only to a database without staff, so that demo data never
/// mixes with real accounts. The demo password is in the README; never use `--demo` for real work.
enum DemoData {
    static let password = "demo-kiosk-2026"
    static let accounts: [(String, String, StaffRole)] = [
        ("anna", "Anna de Boer", .staff), ("sanne", "Sanne Visser", .supervisor),
        ("yusuf", "Yusuf Demir", .remote), ("admin", "Beheerder Balie", .admin),
    ]

    static func fill(_ database: AppDatabase) throws {
        guard try database.allStaff().isEmpty else { return }
        let hash = try PasswordHasher.owaspMinimum.hash(password)
        for (username, name, role) in accounts {
            try database.insertStaff(Staff(username: username, fullName: name, role: role, branch: "Bibliotheek Centrum", passwordHash: hash))
        }
    }
}
