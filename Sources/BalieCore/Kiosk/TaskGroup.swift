/// The groups of tasks people come to a kiosk for, as shown on the start screen.
public enum TaskGroup: String, CaseIterable, Sendable, Codable {
    case digitalGovernment = "digital-government"
    case banking
    case libraryLearning = "library-learning"
    case other

    /// The translation key of the group ("groups.digital_government").
    public var translationKey: String { rawValue.replacingOccurrences(of: "-", with: "_") }

    /// Icon in the sprite.
    public var icon: String {
        switch self {
        case .digitalGovernment: "government"
        case .banking: "bank"
        case .libraryLearning: "library"
        case .other: "other"
        }
    }

    /// Examples of what staff help with in this group, as translation keys under `tasks.`.
    public var exampleTasks: [String] {
        switch self {
        case .digitalGovernment:
            ["digid_apply", "digid_activate", "digid_app", "allowances", "tax_return", "government_inbox"]
        case .banking: ["mobile_banking", "pay_bill", "payment_request", "passwords_codes"]
        case .libraryLearning: ["library_account", "learn_computer", "phone_tablet_basics"]
        case .other: ["appointments", "forms", "phone_tablet_basics"]
        }
    }
}
