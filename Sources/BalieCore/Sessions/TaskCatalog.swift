import Foundation

/// What people come for, grouped, each with a plain-language name in every shipped language and the
/// partners it can be referred to. Loaded from `deploy/task-catalog.json`, so an organisation changes
/// it without code; sessions store the names they were given, so old sessions keep their meaning.
public struct TaskCatalog: Sendable, Codable, Equatable {
    public struct Partner: Sendable, Codable, Equatable {
        public let id: String
        public let name: String

        public init(id: String, name: String) {
            self.id = id
            self.name = name
        }
    }

    public struct Task: Sendable, Codable, Equatable {
        public let id: String
        public let group: TaskGroup
        /// Name per language code; Dutch is required.
        public let names: [String: String]
        public let partners: [String]

        public init(id: String, group: TaskGroup, names: [String: String], partners: [String]) {
            self.id = id
            self.group = group
            self.names = names
            self.partners = partners
        }

        public func name(_ language: String) -> String { names[language] ?? names["nl"] ?? id }
    }

    public let partners: [Partner]
    public let tasks: [Task]

    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    public init(partners: [Partner], tasks: [Task]) throws(Invalid) {
        self.partners = partners
        self.tasks = tasks
        try validate()
    }

    public static func load(from data: Data) throws -> TaskCatalog {
        let catalog = try JSONDecoder().decode(TaskCatalog.self, from: data)
        try catalog.validate()
        return catalog
    }

    private func validate() throws(Invalid) {
        var seen = Set<String>()
        for task in tasks {
            guard seen.insert(task.id).inserted else { throw Invalid(description: "task \(task.id) appears twice") }
            guard let dutch = task.names["nl"], !dutch.isEmpty else { throw Invalid(description: "task \(task.id) has no Dutch name") }
            for partner in task.partners where !partners.contains(where: { $0.id == partner }) {
                throw Invalid(description: "task \(task.id) names unknown partner \(partner)")
            }
        }
        guard !tasks.isEmpty else { throw Invalid(description: "the catalogue has no tasks") }
    }

    public func task(_ id: String) -> Task? { tasks.first { $0.id == id } }
    public func partner(_ id: String) -> Partner? { partners.first { $0.id == id } }
    public func tasks(in group: TaskGroup) -> [Task] { tasks.filter { $0.group == group } }
}
