import Fluent
import SQLKit

struct CreateConversations: AsyncMigration {
    func prepare(on database: any Database) async throws {
        typealias Column = ConversationStore.Column
        try await database.schema(ConversationStore.table)
            .id()
            .field(.string(Column.userID), .uuid, .required, .references(UserStore.table, "id", onDelete: .cascade))
            .field(.string(Column.title), .string, .required)
            .field(.string(Column.createdAt), .datetime)
            .field(.string(Column.updatedAt), .datetime)
            .create()
        // The conversation list: one owner's rows, most recently updated first.
        try await database.sql
            .create(index: "conversations_user_id_updated_at_idx")
            .on(ConversationStore.table).column(Column.userID).column(Column.updatedAt)
            .run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(ConversationStore.table).delete()
    }
}
