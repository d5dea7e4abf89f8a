import Foundation
import SQLKit
@testable import Parley

/// Reading and seeding rows straight through the stores, to assert on what was really stored.
extension TestServer {
    var sql: any SQLDatabase { db.sql }

    func count(_ table: String) async throws -> Int {
        try await sql.count(in: table)
    }

    func user(email: String) async throws -> UserRow? {
        try await UserStore.find(email: email, on: sql)
    }

    func user(id: UUID?) async throws -> UserRow? {
        guard let id else { return nil }
        return try await UserStore.find(id: id, on: sql)
    }

    /// A conversation whoever owns it.
    func conversation(_ id: UUID?) async throws -> ConversationRow? {
        guard let id,
              let owner = try await sql.select().column(ConversationStore.Column.userID).from(ConversationStore.table)
                .where(ConversationStore.Column.id, .equal, id)
                .first(decodingColumn: ConversationStore.Column.userID, as: UUID.self)
        else { return nil }
        return try await ConversationStore.find(id, ownerID: owner, on: sql)
    }

    func conversationTitles() async throws -> [String] {
        try await sql.select().column(ConversationStore.Column.title).from(ConversationStore.table)
            .all(decodingColumn: ConversationStore.Column.title, as: String.self)
    }

    func insertMessage(conversationID: UUID, role: MessageRole, content: String, position: Int, createdAt: Date = Date()) async throws {
        try await MessageStore.insert([MessageRow(
            id: UUID(), conversationID: conversationID, role: role, content: content, position: position, createdAt: createdAt)], on: sql)
    }

    /// Every stored message, in position order.
    func storedMessages() async throws -> [MessageRow] {
        typealias Column = MessageStore.Column
        return try await sql.select().columns("*").from(MessageStore.table).orderBy(Column.position).all().map {
            MessageRow(
                id: try $0.decode(column: Column.id, as: UUID.self),
                conversationID: try $0.decode(column: Column.conversationID, as: UUID.self),
                parentID: try $0.decodeOptional(Column.parentID, as: String.self).flatMap(UUID.init(canonicalText:)),
                role: try $0.decode(column: Column.role, as: MessageRole.self),
                content: try $0.decode(column: Column.content, as: String.self),
                position: try $0.decode(column: Column.position, as: Int.self),
                createdAt: try $0.decode(column: Column.createdAt, as: Date.self),
                status: try $0.decode(column: Column.status, as: MessageStatus.self),
                model: try $0.decodeOptional(Column.model),
                promptTokens: try $0.decodeOptional(Column.promptTokens),
                completionTokens: try $0.decodeOptional(Column.completionTokens))
        }
    }
}
