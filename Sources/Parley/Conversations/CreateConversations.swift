import Fluent
import SQLKit

struct CreateConversations: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Conversation.schema)
            .id()
            .field("user_id", .uuid, .required, .references(User.schema, "id", onDelete: .cascade))
            .field("title", .string, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        // The conversation list: one owner's rows, most recently updated first.
        try await (database as! any SQLDatabase)
            .create(index: "conversations_user_id_updated_at_idx")
            .on(Conversation.schema).column("user_id").column("updated_at")
            .run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Conversation.schema).delete()
    }
}
