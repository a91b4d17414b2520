/// `pages/error`: what went wrong, in the visitor's language, with the status and the request's reference.
struct ErrorPage: PageModel {
    struct Explanation: TemplateModel {
        var title: String, message: String, status: Int
        static let fields: TemplateFields<Self> = ["title": .text(\.title), "message": .text(\.message), "status": .number(\.status)]
    }

    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    var error: Explanation

    static let fields = TemplateFields<Self>(["error": .object(\.error)]).including(\.layout)
}
