/// `pages/customer`: the 360° view of one customer for staff (issue #20: typed page data).
struct CustomerPage: PageModel {
    struct Facts: TemplateModel {
        var number: String, fullName: String, birthDate: String, postcode: String, phone: String, email: String
        var preferredChannelName: String, languageName: String, note: String?
        static let fields: TemplateFields<Self> = [
            "number": .text(\.number), "full_name": .text(\.fullName), "birth_date": .text(\.birthDate), "postcode": .text(\.postcode),
            "phone": .text(\.phone), "email": .text(\.email), "preferred_channel_name": .text(\.preferredChannelName),
            "language_name": .text(\.languageName), "note": .optionalText(\.note),
        ]
    }

    struct Named: TemplateModel {
        var name: String
        static let fields: TemplateFields<Self> = ["name": .text(\.name)]
    }

    struct Choice: TemplateModel {
        var code: String, name: String
        static let fields: TemplateFields<Self> = ["code": .text(\.code), "name": .text(\.name)]
    }

    struct ConsentCard: TemplateModel {
        var purpose: String, purposeName: String, given: Bool, statusText: String, details: String
        var actionGiven: String, actionLabel: String
        static let fields: TemplateFields<Self> = [
            "purpose": .text(\.purpose), "purpose_name": .text(\.purposeName), "given": .flag(\.given), "status_text": .text(\.statusText),
            "details": .text(\.details), "action_given": .text(\.actionGiven), "action_label": .text(\.actionLabel),
        ]
    }

    struct FollowUpItem: TemplateModel {
        var description: String, due: String, channelName: String
        static let fields: TemplateFields<Self> = ["description": .text(\.description), "due": .text(\.due), "channel_name": .text(\.channelName)]
    }

    struct MessageItem: TemplateModel {
        var title: String, sent: String
        static let fields: TemplateFields<Self> = ["title": .text(\.title), "sent": .text(\.sent)]
    }

    struct HistoryEntry: TemplateModel {
        var date: String, actorsText: String, relianceText: String
        static let fields: TemplateFields<Self> = ["date": .text(\.date), "actors_text": .text(\.actorsText), "reliance_text": .text(\.relianceText)]
    }

    struct TaskHistory: TemplateModel {
        var name: String, entries: [HistoryEntry]
        static let fields: TemplateFields<Self> = ["name": .text(\.name), "entries": .list(\.entries)]
    }

    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    var greeting: String
    var customer: Facts
    var hasNote: Bool
    var hasNeeds: Bool
    var needs: [Named]
    var consents: [ConsentCard]
    var consentsAction: String
    var consentMethods: [Choice]
    var hasFollowUps: Bool
    var followUps: [FollowUpItem]
    var hasMessages: Bool
    var messages: [MessageItem]
    var hasContacts: Bool
    var contacts: [ContactItem]
    var hasMoreContacts: Bool
    var moreContactsHref: String
    var canExport: Bool
    var exportHref: String
    var canErase: Bool
    var eraseHref: String
    var hasSessionConsent: Bool
    var hasTaskHistory: Bool
    var taskHistory: [TaskHistory]
    var customerLanguage: Choice?

    static let fields = TemplateFields<Self>([
        "greeting": .text(\.greeting), "customer": .object(\.customer), "has_note": .flag(\.hasNote), "has_needs": .flag(\.hasNeeds),
        "needs": .list(\.needs), "consents": .list(\.consents), "consents_action": .text(\.consentsAction),
        "consent_methods": .list(\.consentMethods), "has_follow_ups": .flag(\.hasFollowUps), "follow_ups": .list(\.followUps),
        "has_messages": .flag(\.hasMessages), "messages": .list(\.messages), "has_contacts": .flag(\.hasContacts),
        "contacts": .list(\.contacts), "has_more_contacts": .flag(\.hasMoreContacts), "more_contacts_href": .text(\.moreContactsHref),
        "can_export": .flag(\.canExport), "export_href": .text(\.exportHref), "can_erase": .flag(\.canErase),
        "erase_href": .text(\.eraseHref), "has_session_consent": .flag(\.hasSessionConsent),
        "has_task_history": .flag(\.hasTaskHistory), "task_history": .list(\.taskHistory), "customer_language": .object(\.customerLanguage),
    ]).including(\.layout)
}

/// `components/contact_item`: one contact on the timeline.
struct ContactItem: TemplateModel {
    var when: String, channelName: String, channelIcon: String, topic: String, summary: String, outcome: String, source: String
    static let fields: TemplateFields<Self> = [
        "when": .text(\.when), "channel_name": .text(\.channelName), "channel_icon": .text(\.channelIcon), "topic": .text(\.topic),
        "summary": .text(\.summary), "outcome": .text(\.outcome), "source": .text(\.source),
    ]
}

/// `pages/customer_contacts`: all of a customer's contacts, a page at a time.
struct CustomerContactsPage: PageModel {
    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    var customerName: String
    var backHref: String
    var hasContacts: Bool
    var contacts: [ContactItem]
    var pageText: String
    var prevHref: String?
    var nextHref: String?

    static let fields = TemplateFields<Self>([
        "customer_name": .text(\.customerName), "back_href": .text(\.backHref), "has_contacts": .flag(\.hasContacts),
        "contacts": .list(\.contacts), "page_text": .text(\.pageText), "prev_href": .optionalText(\.prevHref),
        "next_href": .optionalText(\.nextHref),
    ]).including(\.layout)
}
