import Fluent
import SQLKit

/// The conversation list's index covers its whole order (`updated_at` then `created_at`, newest
/// first, then `id`), so a page is read straight from the index, without sorting the rows that
/// share an `updated_at`. It replaces the index on (`user_id`, `updated_at`) alone.
struct UpdateConversationsPageIndex: AsyncMigration {
    static let name = "conversations_user_id_page_idx"
    static let previous = "conversations_user_id_updated_at_idx"

    func prepare(on database: any Database) async throws {
        typealias Column = ConversationStore.Column
        try await database.sql.raw("""
            CREATE INDEX \(ident: Self.name) ON \(ident: ConversationStore.table) \
            (\(ident: Column.userID), \(ident: Column.updatedAt) DESC, \(ident: Column.createdAt) DESC, \(ident: Column.id))
            """).run()
        try await database.sql.drop(index: Self.previous).run()
    }

    func revert(on database: any Database) async throws {
        typealias Column = ConversationStore.Column
        try await database.sql.create(index: Self.previous).on(ConversationStore.table)
            .column(Column.userID).column(Column.updatedAt).run()
        try await database.sql.drop(index: Self.name).run()
    }
}
