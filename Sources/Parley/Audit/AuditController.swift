import SQLKit
import Vapor

struct AuditEntryPublic: Content {
    var at: String
    var actor_id: String?
    var action: String
    var target: String?
    var ip: String?
    var request_id: String?

    init(_ entry: AuditEntry) {
        at = RFC3339.string(entry.at)
        actor_id = entry.actorID?.lowercasedString
        action = entry.action
        target = entry.target
        ip = entry.ip
        request_id = entry.requestID
    }

    // Written out so absent values are `null` rather than missing.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(at, forKey: .at)
        try container.encode(actor_id, forKey: .actor_id)
        try container.encode(action, forKey: .action)
        try container.encode(target, forKey: .target)
        try container.encode(ip, forKey: .ip)
        try container.encode(request_id, forKey: .request_id)
    }
}

/// `GET /api/v1/audit` (superuser): a page newest first, or with `?format=jsonl` the whole log
/// streamed a page at a time, so its size does not depend on memory.
struct AuditController: RouteCollection {
    static let streamPage = 1000

    func boot(routes: any RoutesBuilder) throws {
        routes.grouped("api", "v1", "audit").grouped(UserAuthenticator()).grouped(SuperuserGuard()).get(use: list)
    }

    @Sendable
    func list(request: Request) async throws -> Response {
        switch request.query[String.self, at: "format"] {
        case nil, "json":
            let page = try request.page()
            let total = try await AuditStore.count(on: request.sql)
            let entries = try await AuditStore.page(skip: page.skip, limit: page.limit, on: request.sql)
            return try await PagedList(items: entries.map(AuditEntryPublic.init), total: total).encodeResponse(for: request)
        case "jsonl":
            return stream(request.db.sql, skip: try request.integerQuery("skip", default: 0, range: Limits.Page.skip))
        default:
            throw ValidationFailure(loc: ["query", "format"], msg: "Input should be 'json' or 'jsonl'", type: "enum")
        }
    }

    private func stream(_ db: any SQLDatabase, skip: Int) -> Response {
        let response = Response(status: .ok, headers: ["Content-Type": "application/jsonl", "Cache-Control": "no-cache"])
        response.body = .init(asyncStream: { writer in
            let encoder = JSONEncoder()
            // The first page by offset, the rest by keyset: entries appended meanwhile (newer)
            // cannot shift what is left to read.
            var entries = try await AuditStore.page(skip: skip, limit: Self.streamPage, on: db)
            while true {
                var buffer = ByteBuffer()
                for entry in entries {
                    buffer.writeBytes(try encoder.encode(AuditEntryPublic(entry)))
                    buffer.writeString("\n")
                }
                if buffer.readableBytes > 0 { try await writer.write(.buffer(buffer)) }
                guard entries.count == Self.streamPage, let last = entries.last else { break }
                entries = try await AuditStore.page(olderThan: last, limit: Self.streamPage, on: db)
            }
            try await writer.write(.end)
        })
        return response
    }
}
