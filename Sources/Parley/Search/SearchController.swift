import Vapor

/// `GET /api/v1/search`: the caller's messages and conversation titles matching `q`, best first.
struct SearchController: RouteCollection {
    static let maxQueryLength = 500
    /// API.md's list limits (1…1000): a page reads only its own entries' text, so a long one costs
    /// its own size, not the index's.
    static let limits = 1...1000

    func boot(routes: any RoutesBuilder) throws {
        routes.grouped("api", "v1", "search").grouped(UserAuthenticator()).get(use: search)
    }

    @Sendable
    func search(request: Request) async throws -> PagedList<SearchResultPublic> {
        guard let raw = request.query[String.self, at: "q"] else { throw ValidationFailure.missing(["query", "q"]) }
        let text = try TextRule.check(raw, at: ["query", "q"], max: Self.maxQueryLength, trim: true)
        let skip = try request.integerQuery("skip", default: 0, range: 0...Int(Int32.max))
        let limit = try request.integerQuery("limit", default: 20, range: Self.limits)
        let query = SearchQuery(text)
        let found = try await SearchIndex.find(query, ownerID: request.requireUser().id, skip: skip, limit: limit, on: request.sql)
        return PagedList(items: found.hits.map { SearchResultPublic($0, query: query) }, total: found.total)
    }
}

struct SearchResultPublic: Content {
    var conversation_id: String
    var conversation_title: String
    var message_id: String?
    var role: String?
    var created_at: String
    var snippet: String
    var highlights: [[Int]]

    init(_ hit: SearchHit, query: SearchQuery) {
        let snippet = SearchSnippet(of: hit.text, for: query)
        conversation_id = hit.conversationID.lowercasedString
        conversation_title = hit.conversationTitle
        message_id = hit.messageID?.lowercasedString
        role = hit.role?.rawValue
        created_at = RFC3339.string(hit.createdAt)
        self.snippet = snippet.text
        highlights = snippet.highlights
    }

    /// `message_id` and `role` are always present, null for a title match.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(conversation_id, forKey: .conversation_id)
        try container.encode(conversation_title, forKey: .conversation_title)
        try container.encode(message_id, forKey: .message_id)
        try container.encode(role, forKey: .role)
        try container.encode(created_at, forKey: .created_at)
        try container.encode(snippet, forKey: .snippet)
        try container.encode(highlights, forKey: .highlights)
    }
}
