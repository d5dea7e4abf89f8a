import Vapor

/// `GET /api/v1/conversations/{id}/export` and `GET /api/v1/users/me/export`: streamed downloads.
struct ExportController: RouteCollection {
    /// Conversations read at a time for the account export.
    static let conversationBatch = 50

    func boot(routes: any RoutesBuilder) throws {
        let authenticated = routes.grouped(UserAuthenticator())
        authenticated.get("api", "v1", "conversations", ":conversation_id", "export", use: exportConversation)
        authenticated.get("api", "v1", "users", "me", "export", use: exportAll)
    }

    @Sendable
    func exportConversation(request: Request) async throws -> Response {
        let id = try request.uuidParameter("conversation_id")
        let format = request.query[String.self, at: "format"] ?? "json"
        guard format == "json" || format == "markdown" else {
            throw ValidationFailure(loc: ["query", "format"], msg: "Input should be 'json' or 'markdown'", type: "enum")
        }
        let conversation = try await ConversationService().find(id, ownerID: request.requireUser().id, on: request.sql)
        let db = request.sql
        if format == "markdown" {
            return JSONArrayStream.document(headers: [
                "Content-Type": "text/markdown; charset=utf-8",
                "Content-Disposition": ConversationExport.attachment(conversation.title, extension: "md"),
            ]) { stream in
                try await ConversationExport.writeMarkdown(conversation, to: stream, on: db)
            }
        }
        return JSONArrayStream.document(headers: [
            "Content-Disposition": ConversationExport.attachment(conversation.title, extension: "json"),
        ]) { stream in
            try await ConversationExport.writeJSON(conversation, to: stream, on: db)
        }
    }

    /// Every conversation of the caller, as a JSON array of conversation exports.
    @Sendable
    func exportAll(request: Request) async throws -> Response {
        let ownerID = try request.requireUser().id
        let db = request.sql
        return JSONArrayStream.response(headers: ["Content-Disposition": "attachment; filename=\"parley-export.json\""]) { stream in
            var after: UUID?
            var first = true
            while true {
                let batch = try await ConversationStore.batch(ownerID: ownerID, after: after, limit: Self.conversationBatch, on: db)
                for conversation in batch {
                    if !first { try await stream.raw(",") }
                    first = false
                    try await ConversationExport.writeJSON(conversation, to: stream, on: db)
                }
                guard batch.count == Self.conversationBatch, let last = batch.last else { return }
                after = last.id
            }
        }
    }
}
