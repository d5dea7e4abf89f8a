import Fluent

struct CreateMessages: AsyncMigration {
    func prepare(on database: any Database) async throws {
        typealias Column = MessageStore.Column
        // A plain string rather than a native enum type, so SQLite and PostgreSQL store it alike.
        try await database.schema(MessageStore.table)
            .id()
            .field(.string(Column.conversationID), .uuid, .required,
                   .references(ConversationStore.table, "id", onDelete: .cascade))
            .field(.string(Column.role), .string, .required)
            .field(.string(Column.content), .string, .required)
            .field(.string(Column.position), .int, .required)
            .field(.string(Column.createdAt), .datetime)
            .field(.string(Column.isComplete), .bool, .required)
            .field(.string(Column.model), .string)
            .field(.string(Column.promptTokens), .int)
            .field(.string(Column.completionTokens), .int)
            // Also the index that lists a conversation's messages in order.
            .unique(on: .string(Column.conversationID), .string(Column.position), name: "messages_conversation_id_position_key")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(MessageStore.table).delete()
    }
}
