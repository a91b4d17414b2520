import BalieStore

/// Demo content for `serve --demo`. Only an empty database is filled, so demo data never mixes
/// with real records.
enum DemoData {
    static func fill(_ database: AppDatabase) throws {
        // The foundation has no customer records yet; later features add their demo rows here.
        _ = database
    }
}
