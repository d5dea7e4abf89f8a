import Fluent
import Foundation
import SQLKit

/// The two hot reads of messages, decoded by SQLKit into plain structs: Fluent fills each model
/// through reflection, which measured as half the CPU of a chat on a long conversation.
enum MessageRows {
    /// A message as `GET …/messages` lists it.
    struct Listed: Decodable, Sendable {
        var id: UUID
        var role: Message.Role
        var content: String
        var created_at: Date?
    }

    /// A message as the model's context needs it.
    struct Context: Decodable, Sendable {
        var position: Int
        var role: Message.Role
        var content: String
    }

    static func page(of conversationID: UUID, skip: Int, limit: Int, on db: any Database) async throws -> [Listed] {
        try await (db as! any SQLDatabase).select()
            .columns("id", "role", "content", "created_at")
            .from(Message.schema)
            .where("conversation_id", .equal, conversationID)
            .orderBy("position")
            .limit(limit).offset(skip)
            .all(decoding: Listed.self)
    }

    /// The newest messages before `position` (all when `nil`), newest first.
    static func newest(of conversationID: UUID, before position: Int?, limit: Int, on db: any Database) async throws -> [Context] {
        var query = (db as! any SQLDatabase).select()
            .columns("position", "role", "content")
            .from(Message.schema)
            .where("conversation_id", .equal, conversationID)
        if let position { query = query.where("position", .lessThan, position) }
        return try await query.orderBy("position", .descending).limit(limit).all(decoding: Context.self)
    }
}
