import Fluent

/// Each conversation may name the model its chats use.
struct UpdateConversationsAddModel: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(ConversationStore.table).field(.string(ConversationStore.Column.model), .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(ConversationStore.table).deleteField(.string(ConversationStore.Column.model)).update()
    }
}
