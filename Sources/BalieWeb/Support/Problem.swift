import BalieHTTP

/// An RFC 9457 problem document.
struct Problem: Encodable {
    let type: String
    let title: String
    let status: Int
    let detail: String
    let instance: String?
    let requestID: String

    enum CodingKeys: String, CodingKey {
        case type, title, status, detail, instance
        case requestID = "request_id"
    }

    var response: Response {
        .json(self, status: HTTPStatus(status, title), contentType: "application/problem+json")
    }
}
