import Foundation
import SQLKit

public enum MessageRole: String, Codable, Sendable, CaseIterable {
    case system, user, assistant
}

/// Where a message's text stands. User and system messages are always `complete`; an assistant
/// reply is `streaming` from the moment its turn is accepted until it ends (see `ReplyStateMachine`).
enum MessageStatus: String, Codable, Sendable, CaseIterable {
    case streaming, complete, stopped, interrupted
}

/// A message as stored: one row of `messages`.
struct MessageRow: Sendable {
    var id: UUID
    var conversationID: UUID
    var parentID: UUID?
    var role: MessageRole
    var content: String
    /// Creation order within the conversation (timestamps alone can tie); every branch's messages
    /// share the one sequence.
    var position: Int
    var createdAt: Date
    var status: MessageStatus = .complete
    /// For assistant replies: the model that answered and the tokens it counted.
    var model: String? = nil
    var promptTokens: Int? = nil
    var completionTokens: Int? = nil
    /// For a reply being generated: the process generating it, and until when its lease holds.
    var owner: String? = nil
    var leaseExpiresAt: Date? = nil

    var isComplete: Bool { status == .complete }
}

/// A message as `GET …/messages` lists it.
struct ListedMessage: Sendable {
    var id: UUID
    var parentID: UUID?
    var role: MessageRole
    var content: String
    var createdAt: Date
    var status: MessageStatus
    var model: String?
    var usage: TokenUsage?
}

/// The `messages` table, in explicit SQL. Callers check the conversation's owner first.
///
/// A conversation is a tree (`parent_id`); `on_branch` marks the messages of its current branch,
/// so listing the branch is an indexed range read, whatever the tree's size. Only a turn that
/// leaves the current branch (edit, regenerate) and a branch switch rewrite the marks.
enum MessageStore {
    static let table = "messages"
    enum Column {
        static let id = "id", conversationID = "conversation_id", parentID = "parent_id", role = "role"
        static let content = "content", position = "position", createdAt = "created_at", isComplete = "is_complete"
        static let model = "model", promptTokens = "prompt_tokens", completionTokens = "completion_tokens"
        static let status = "status", onBranch = "on_branch"
        /// A reply's delta boundaries (see `ReplyText`), its lease and the process generating it.
        static let deltaEnds = "delta_ends", leaseExpiresAt = "lease_expires_at", owner = "owner"
        static let stopRequested = "stop_requested"
    }

    /// The most text one read of messages holds: with messages of up to 100 000 characters, a count
    /// alone would let a page reach hundreds of megabytes. A longer page is read (and sent) in
    /// several such pieces; a piece holds at least one message.
    static let pageByteBudget = 4 * 1024 * 1024

    static let listedColumns = [
        Column.id, Column.parentID, Column.role, Column.content, Column.createdAt, Column.position, Column.status,
        Column.model, Column.promptTokens, Column.completionTokens,
    ]

    /// Messages in order from `skip` (or after the message at position `after`; the current
    /// branch, or with `allBranches` every message), at most `limit` of them and about
    /// `pageByteBudget` of text; `cut` when the budget ended the piece before `limit` was
    /// reached, and `last` the position to continue after.
    static func page(of conversationID: UUID, allBranches: Bool = false, skip: Int, after: Int? = nil, limit: Int,
                     on db: any SQLDatabase) async throws -> (messages: [ListedMessage], cut: Bool, last: Int?) {
        var listed: [ListedMessage] = []
        var bytes = 0
        var afterPosition = after
        // Rows are read a few at a time at first, so that a run of long messages stays near the
        // budget; more at a time once they prove short.
        var chunk = min(limit, 32)
        while listed.count < limit {
            var query = db.select().columns(listedColumns).from(table)
                .where(Column.conversationID, .equal, conversationID)
            if !allBranches { query = query.where(Column.onBranch, .equal, true) }
            if let afterPosition { query = query.where(Column.position, .greaterThan, afterPosition) }
            let asked = min(chunk, limit - listed.count)
            query = query.orderBy(Column.position).limit(asked)
            if afterPosition == nil { query = query.offset(skip) }
            let rows = try await query.all()
            for row in rows {
                let message = try MessageStore.listed(row)
                bytes += message.content.utf8.count
                if bytes > pageByteBudget, !listed.isEmpty { return (listed, true, afterPosition) }
                listed.append(message)
                afterPosition = try row.decode(column: Column.position, as: Int.self)
            }
            if rows.count < asked { break }
            if bytes < pageByteBudget / 8 { chunk = min(chunk * 2, 250) }
        }
        return (listed, false, afterPosition)
    }

    static func count(of conversationID: UUID, allBranches: Bool = false, on db: any SQLDatabase) async throws -> Int {
        var query = db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(table)
            .where(Column.conversationID, .equal, conversationID)
        if !allBranches { query = query.where(Column.onBranch, .equal, true) }
        return try await query.first(decodingColumn: "n", as: Int.self) ?? 0
    }

    /// One message of the owner's, with the conversation it belongs to.
    static func find(_ id: UUID, ownerID: UUID, on db: any SQLDatabase) async throws -> (message: ListedMessage, conversationID: UUID)? {
        let conversations = ConversationStore.table
        guard let row = try await db.select()
            .columns(listedColumns.map { SQLColumn($0, table: table) as any SQLExpression })
            .column(SQLColumn(Column.conversationID, table: table))
            .from(table)
            .join(conversations, on: SQLColumn(Column.conversationID, table: table), .equal, SQLColumn(ConversationStore.Column.id, table: conversations))
            .where(SQLColumn(Column.id, table: table), .equal, SQLBind(id))
            .where(SQLColumn(ConversationStore.Column.userID, table: conversations), .equal, SQLBind(ownerID))
            .first()
        else { return nil }
        return (try listed(row), try row.decodeID(Column.conversationID))
    }

    /// A message as the model's context needs it.
    struct ContextMessage: Sendable {
        var position: Int
        var role: MessageRole
        var content: String
    }

    /// The current branch's newest messages before `position`, newest first.
    static func newestOnBranch(of conversationID: UUID, before position: Int, limit: Int, on db: any SQLDatabase) async throws -> [ContextMessage] {
        try await db.select()
            .columns(Column.position, Column.role, Column.content)
            .from(table)
            .where(Column.conversationID, .equal, conversationID)
            .where(Column.onBranch, .equal, true)
            .where(Column.position, .lessThan, position)
            .orderBy(Column.position, .descending).limit(limit).all().map {
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

    /// A message's place in the tree and its text, when it belongs to the conversation.
    static func node(_ id: UUID, in conversationID: UUID, on db: any SQLDatabase) async throws -> (parentID: UUID?, role: MessageRole, position: Int, content: String)? {
        guard let row = try await db.select().columns(Column.parentID, Column.role, Column.position, Column.content).from(table)
            .where(Column.id, .equal, id).where(Column.conversationID, .equal, conversationID)
            .first()
        else { return nil }
        let parent: String? = try row.decodeOptional(Column.parentID)
        return (parent.flatMap(UUID.init(canonicalText:)), try row.decode(column: Column.role, as: MessageRole.self),
                try row.decode(column: Column.position, as: Int.self), try row.decode(column: Column.content, as: String.self))
    }

    /// The newest child of `id`, which a branch switch follows down to a leaf.
    static func newestChild(of id: UUID, on db: any SQLDatabase) async throws -> UUID? {
        guard let row = try await db.select().column(Column.id).from(table)
            .where(Column.parentID, .equal, id).orderBy(Column.position, .descending).limit(1).first()
        else { return nil }
        return try row.decodeID(Column.id)
    }

    /// Makes the path from the root to `leaf` the conversation's current branch (`nil`: no message
    /// is on it, for a turn that starts a new root). Costs the depth of the tree, and runs only
    /// when a turn or a switch leaves the current branch.
    static func markBranch(of conversationID: UUID, endingAt leaf: UUID?, on db: any SQLDatabase) async throws {
        try await db.update(table).set(Column.onBranch, to: false)
            .where(Column.conversationID, .equal, conversationID).where(Column.onBranch, .equal, true)
            .run()
        guard let leaf else { return }
        try await db.raw("""
            WITH RECURSIVE path(id, parent) AS (
                SELECT \(ident: Column.id), \(ident: Column.parentID) FROM \(ident: table) WHERE \(ident: Column.id) = \(bind: leaf)
                UNION ALL
                SELECT m.\(ident: Column.id), m.\(ident: Column.parentID) FROM \(ident: table) m JOIN path p ON m.\(ident: Column.id) = p.parent
            )
            UPDATE \(ident: table) SET \(ident: Column.onBranch) = \(bind: true)
            WHERE \(ident: Column.conversationID) = \(bind: conversationID) AND \(ident: Column.id) IN (SELECT id FROM path)
            """).run()
    }

    /// Inserts `messages` in one statement, on the current branch.
    static func insert(_ messages: [MessageRow], on db: any SQLDatabase) async throws {
        guard !messages.isEmpty else { return }
        var insert = db.insert(into: table).columns(
            Column.id, Column.conversationID, Column.parentID, Column.role, Column.content, Column.position, Column.createdAt,
            Column.isComplete, Column.status, Column.onBranch, Column.model, Column.promptTokens, Column.completionTokens,
            Column.owner, Column.leaseExpiresAt)
        for message in messages {
            insert = insert.values(
                message.id, message.conversationID, message.parentID, message.role.rawValue, message.content, message.position,
                message.createdAt, message.isComplete, message.status.rawValue, true, message.model, message.promptTokens,
                message.completionTokens, message.owner, message.leaseExpiresAt)
        }
        try await insert.run()
    }

    private static func listed(_ row: any SQLRow) throws -> ListedMessage {
        let parent: String? = try row.decodeOptional(Column.parentID)
        let prompt: Int? = try row.decodeOptional(Column.promptTokens)
        let completion: Int? = try row.decodeOptional(Column.completionTokens)
        return ListedMessage(
            id: try row.decodeID(Column.id),
            parentID: parent.flatMap(UUID.init(canonicalText:)),
            role: try row.decode(column: Column.role, as: MessageRole.self),
            content: try row.decode(column: Column.content, as: String.self),
            createdAt: try row.decodeOptional(Column.createdAt) ?? Date(timeIntervalSince1970: 0),
            status: try row.decode(column: Column.status, as: MessageStatus.self),
            model: try row.decodeOptional(Column.model),
            usage: prompt.flatMap { prompt in completion.map { TokenUsage(promptTokens: prompt, completionTokens: $0) } })
    }
}
