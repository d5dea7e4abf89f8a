import Foundation
import SQLKit

/// A row of `conversations`.
struct ConversationRow: Sendable {
    var id: UUID
    var userID: UUID
    var title: String
    var createdAt: Date
    var updatedAt: Date

    static let defaultTitle = "New Conversation"
}

/// The `conversations` table, in explicit SQL. Every read is scoped to an owner, so another user's
/// id reads as missing.
enum ConversationStore {
    static let table = "conversations"
    enum Column {
        static let id = "id", userID = "user_id", title = "title", createdAt = "created_at", updatedAt = "updated_at"
    }
    private static let columns = [Column.id, Column.userID, Column.title, Column.createdAt, Column.updatedAt]

    /// One page of the owner's conversations, most recently updated first.
    static func page(ownerID: UUID, skip: Int, limit: Int, on db: any SQLDatabase) async throws -> [ConversationRow] {
        try await db.select().columns(columns).from(table)
            .where(Column.userID, .equal, ownerID)
            .orderBy(Column.updatedAt, .descending).orderBy(Column.createdAt, .descending).orderBy(Column.id)
            .limit(limit).offset(skip)
            .all().map(row)
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
            .values(conversation.id, conversation.userID, conversation.title, conversation.createdAt, conversation.updatedAt)
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

    /// Moves `updated_at` for a new turn and gives the conversation `title` only if it still has the
    /// default one, in one statement, so a rename made while the model answered stays. Returns
    /// false when the owner has no such conversation (it was deleted meanwhile).
    static func touch(_ id: UUID, ownerID: UUID, titleIfUntitled title: String?, at now: Date, on db: any SQLDatabase) async throws -> Bool {
        var update = db.update(table).set(Column.updatedAt, to: now)
        if let title {
            update = update.set(Column.title, to: SQLQueryString(
                "CASE WHEN \(ident: Column.title) = \(bind: ConversationRow.defaultTitle) THEN \(bind: title) ELSE \(ident: Column.title) END"))
        }
        return try await update
            .where(Column.id, .equal, id).where(Column.userID, .equal, ownerID)
            .returning(Column.id)
            .first() != nil
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
            updatedAt: try row.decodeOptional(Column.updatedAt) ?? Date(timeIntervalSince1970: 0))
    }
}
