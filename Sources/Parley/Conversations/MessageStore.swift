import Foundation
import SQLKit

enum MessageRole: String, Codable, Sendable, CaseIterable {
    case system, user, assistant
}

/// A message as stored: one row of `messages`.
struct MessageRow: Sendable {
    var id: UUID
    var conversationID: UUID
    var role: MessageRole
    var content: String
    /// Order within the conversation; timestamps alone can tie.
    var position: Int
    var createdAt: Date
    /// False for a reply cut short because the client went away mid-stream.
    var isComplete = true
    /// For assistant replies: the model that answered and the tokens it counted.
    var model: String? = nil
    var promptTokens: Int? = nil
    var completionTokens: Int? = nil
}

/// A message as `GET …/messages` lists it.
struct ListedMessage: Sendable {
    var id: UUID
    var role: MessageRole
    var content: String
    var createdAt: Date
}

/// The `messages` table, in explicit SQL. Callers check the conversation's owner first.
enum MessageStore {
    static let table = "messages"
    enum Column {
        static let id = "id", conversationID = "conversation_id", role = "role", content = "content"
        static let position = "position", createdAt = "created_at", isComplete = "is_complete", model = "model"
        static let promptTokens = "prompt_tokens", completionTokens = "completion_tokens"
    }

    /// The most a page of messages may weigh: with messages of up to 100 000 characters, a count
    /// alone would let one page reach hundreds of megabytes. A page holds at least one message.
    static let pageByteBudget = 4 * 1024 * 1024

    /// Messages in order from `skip`, at most `limit` of them and about `pageByteBudget` of text;
    /// `cut` when the budget ended the page before `limit` was reached.
    static func page(of conversationID: UUID, skip: Int, limit: Int, on db: any SQLDatabase) async throws -> (messages: [ListedMessage], cut: Bool) {
        var listed: [ListedMessage] = []
        var bytes = 0
        var afterPosition: Int?
        let chunk = min(limit, 250)
        while listed.count < limit {
            var query = db.select()
                .columns(Column.id, Column.role, Column.content, Column.createdAt, Column.position)
                .from(table)
                .where(Column.conversationID, .equal, conversationID)
            if let afterPosition { query = query.where(Column.position, .greaterThan, afterPosition) }
            query = query.orderBy(Column.position).limit(min(chunk, limit - listed.count))
            if afterPosition == nil { query = query.offset(skip) }
            let rows = try await query.all()
            for row in rows {
                let message = ListedMessage(
                    id: try row.decodeID(Column.id),
                    role: try row.decode(column: Column.role, as: MessageRole.self),
                    content: try row.decode(column: Column.content, as: String.self),
                    createdAt: try row.decodeOptional(Column.createdAt) ?? Date(timeIntervalSince1970: 0))
                bytes += message.content.utf8.count
                if bytes > pageByteBudget, !listed.isEmpty { return (listed, true) }
                listed.append(message)
                afterPosition = try row.decode(column: Column.position, as: Int.self)
            }
            if rows.count < chunk { break }
        }
        return (listed, false)
    }

    static func count(of conversationID: UUID, on db: any SQLDatabase) async throws -> Int {
        try await db.count(in: table, where: Column.conversationID, is: conversationID)
    }

    /// A message as the model's context needs it.
    struct ContextMessage: Sendable {
        var position: Int
        var role: MessageRole
        var content: String
    }

    /// The newest messages before `position` (all when `nil`), newest first.
    static func newest(of conversationID: UUID, before position: Int?, limit: Int, on db: any SQLDatabase) async throws -> [ContextMessage] {
        var query = db.select()
            .columns(Column.position, Column.role, Column.content)
            .from(table)
            .where(Column.conversationID, .equal, conversationID)
        if let position { query = query.where(Column.position, .lessThan, position) }
        return try await query.orderBy(Column.position, .descending).limit(limit).all().map {
            ContextMessage(
                position: try $0.decode(column: Column.position, as: Int.self),
                role: try $0.decode(column: Column.role, as: MessageRole.self),
                content: try $0.decode(column: Column.content, as: String.self))
        }
    }

    /// The conversation's first user message, which its automatic title comes from.
    static func firstUserContent(of conversationID: UUID, on db: any SQLDatabase) async throws -> String? {
        try await db.select().column(Column.content).from(table)
            .where(Column.conversationID, .equal, conversationID).where(Column.role, .equal, MessageRole.user.rawValue)
            .orderBy(Column.position).limit(1)
            .first(decodingColumn: Column.content, as: String.self)
    }

    /// The position after the conversation's last message.
    static func nextPosition(of conversationID: UUID, on db: any SQLDatabase) async throws -> Int {
        let last = try await db.select().column(SQLFunction("MAX", args: SQLColumn(Column.position)), as: "last").from(table)
            .where(Column.conversationID, .equal, conversationID)
            .first(decodingColumn: "last", as: Int?.self)
        return (last.flatMap { $0 } ?? -1) + 1
    }

    /// Inserts `messages` in one statement.
    static func insert(_ messages: [MessageRow], on db: any SQLDatabase) async throws {
        guard !messages.isEmpty else { return }
        var insert = db.insert(into: table).columns(
            Column.id, Column.conversationID, Column.role, Column.content, Column.position, Column.createdAt,
            Column.isComplete, Column.model, Column.promptTokens, Column.completionTokens)
        for message in messages {
            insert = insert.values(
                message.id, message.conversationID, message.role.rawValue, message.content, message.position,
                message.createdAt, message.isComplete, message.model, message.promptTokens, message.completionTokens)
        }
        try await insert.run()
    }
}
