import Foundation
import SQLKit

/// A row of `conversations`.
struct ConversationRow: Sendable {
    var id: UUID
    var userID: UUID
    var title: String
    var createdAt: Date
    var updatedAt: Date
    /// The leaf of the current branch (nil while the conversation has no message).
    var currentMessageID: UUID? = nil
    /// The model its chats use when they name none (nil: `LLM_MODEL`).
    var model: String? = nil

    static let defaultTitle = "New Conversation"
}

/// The `conversations` table, in explicit SQL. Every read is scoped to an owner, so another user's
/// id reads as missing.
enum ConversationStore {
    static let table = "conversations"
    enum Column {
        static let id = "id", userID = "user_id", title = "title", createdAt = "created_at", updatedAt = "updated_at"
        static let currentMessageID = "current_message_id", model = "model"
    }
    private static let columns = [
        Column.id, Column.userID, Column.title, Column.createdAt, Column.updatedAt, Column.currentMessageID, Column.model,
    ]

    /// One page of the owner's conversations, most recently updated first.
    static func page(ownerID: UUID, skip: Int, limit: Int, on db: any SQLDatabase) async throws -> [ConversationRow] {
        try await db.select().columns(columns).from(table)
            .where(Column.userID, .equal, ownerID)
            .orderBy(Column.updatedAt, .descending).orderBy(Column.createdAt, .descending).orderBy(Column.id)
            .limit(limit).offset(skip)
            .all().map(row)
    }

    /// The owner's conversations after `after` in id order, for reading them all a batch at a time.
    static func batch(ownerID: UUID, after: UUID?, limit: Int, on db: any SQLDatabase) async throws -> [ConversationRow] {
        var query = db.select().columns(columns).from(table).where(Column.userID, .equal, ownerID)
        if let after { query = query.where(Column.id, .greaterThan, after) }
        return try await query.orderBy(Column.id).limit(limit).all().map(row)
    }

    static func count(ownerID: UUID, on db: any SQLDatabase) async throws -> Int {
        try await db.count(in: table, where: Column.userID, is: ownerID)
    }

    static func find(_ id: UUID, ownerID: UUID, on db: any SQLDatabase) async throws -> ConversationRow? {
        try await db.select().columns(columns).from(table)
            .where(Column.id, .equal, id).where(Column.userID, .equal, ownerID)
            .first().map(row)
    }

    static func insert(_ conversation: ConversationRow, on db: any SQLDatabase) async throws {
        try await db.insert(into: table).columns(columns)
            .values(conversation.id, conversation.userID, conversation.title, conversation.createdAt, conversation.updatedAt,
                    conversation.currentMessageID, conversation.model)
            .run()
    }

    /// Renames and moves `updated_at`; `nil` when the owner has no such conversation.
    static func rename(_ id: UUID, ownerID: UUID, to title: String, at now: Date, on db: any SQLDatabase) async throws -> ConversationRow? {
        try await db.update(table)
            .set(Column.title, to: title).set(Column.updatedAt, to: now)
            .where(Column.id, .equal, id).where(Column.userID, .equal, ownerID)
            .returning(columns.map { SQLColumn($0) as any SQLExpression })
            .first().map(row)
    }

    /// Sets the conversation's model (nil: back to `LLM_MODEL`); `nil` when the owner has no such conversation.
    static func setModel(_ id: UUID, ownerID: UUID, to model: String?, on db: any SQLDatabase) async throws -> ConversationRow? {
        try await db.update(table)
            .set(Column.model, to: model)
            .where(Column.id, .equal, id).where(Column.userID, .equal, ownerID)
            .returning(columns.map { SQLColumn($0) as any SQLExpression })
            .first().map(row)
    }

    /// The conversation as it is before a new turn (its `currentMessageID` is the leaf the turn
    /// follows), or nil when the owner has no such conversation. Taking the row's lock makes
    /// concurrent turns on one conversation queue here, for the turn's short write only.
    static func lockForTurn(_ id: UUID, ownerID: UUID, on db: any SQLDatabase) async throws -> ConversationRow? {
        try await db.select().columns(columns).from(table)
            .where(Column.id, .equal, id).where(Column.userID, .equal, ownerID)
            .lockingClause(SQLLockingClause.update)
            .first().map(row)
    }

    /// Moves `updated_at` for a new turn, names its newest message as the current branch's leaf,
    /// and gives the conversation `title` only if it still has the default one, in one statement,
    /// so a rename made meanwhile stays.
    static func touch(_ id: UUID, titleIfUntitled title: String?, current: UUID, at now: Date, on db: any SQLDatabase) async throws {
        var update = db.update(table).set(Column.updatedAt, to: now).set(Column.currentMessageID, to: current)
        if let title {
            update = update.set(Column.title, to: SQLQueryString(
                "CASE WHEN \(ident: Column.title) = \(bind: ConversationRow.defaultTitle) THEN \(bind: title) ELSE \(ident: Column.title) END"))
        }
        try await update.where(Column.id, .equal, id).run()
    }

    /// Names the current branch's leaf.
    static func setCurrent(_ id: UUID, to message: UUID?, on db: any SQLDatabase) async throws {
        try await db.update(table).set(Column.currentMessageID, to: message).where(Column.id, .equal, id).run()
    }

    /// Gives back the `updated_at` a failed turn moved, unless something moved it since.
    static func restoreUpdatedAt(_ id: UUID, to previous: Date, ifStill moved: Date, on db: any SQLDatabase) async throws {
        try await db.update(table).set(Column.updatedAt, to: previous)
            .where(Column.id, .equal, id).where(Column.updatedAt, .equal, moved).run()
    }

    /// Gives back the default title when it is still the one a failed turn gave.
    static func untitle(_ id: UUID, ifTitled title: String, on db: any SQLDatabase) async throws {
        try await db.update(table).set(Column.title, to: ConversationRow.defaultTitle)
            .where(Column.id, .equal, id).where(Column.title, .equal, title).run()
    }

    /// True when something was deleted; its messages go with it (ON DELETE CASCADE).
    static func delete(_ id: UUID, ownerID: UUID, on db: any SQLDatabase) async throws -> Bool {
        try await db.delete(from: table)
            .where(Column.id, .equal, id).where(Column.userID, .equal, ownerID)
            .returning(Column.id)
            .first() != nil
    }

    private static func row(_ row: any SQLRow) throws -> ConversationRow {
        ConversationRow(
            id: try row.decodeID(Column.id),
            userID: try row.decodeID(Column.userID),
            title: try row.decode(column: Column.title, as: String.self),
            createdAt: try row.decodeOptional(Column.createdAt) ?? Date(timeIntervalSince1970: 0),
            updatedAt: try row.decodeOptional(Column.updatedAt) ?? Date(timeIntervalSince1970: 0),
            currentMessageID: (try row.decodeOptional(Column.currentMessageID, as: String.self)).flatMap(UUID.init(canonicalText:)),
            model: try row.decodeOptional(Column.model))
    }
}
