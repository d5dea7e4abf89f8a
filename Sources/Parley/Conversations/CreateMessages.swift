import Fluent

struct CreateMessages: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // A plain string rather than a native enum type, so SQLite and PostgreSQL store it alike.
        try await database.schema(Message.schema)
            .id()
            .field("conversation_id", .uuid, .required, .references(Conversation.schema, "id", onDelete: .cascade))
            .field("role", .string, .required)
            .field("content", .string, .required)
            .field("position", .int, .required)
            .field("created_at", .datetime)
            .field("is_complete", .bool, .required)
            .field("model", .string)
            .field("prompt_tokens", .int)
            .field("completion_tokens", .int)
            // Also the index that lists a conversation's messages in order.
            .unique(on: "conversation_id", "position", name: "messages_conversation_id_position_key")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Message.schema).delete()
    }
}
