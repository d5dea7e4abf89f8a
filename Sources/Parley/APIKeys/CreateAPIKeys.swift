import Fluent
import SQLKit

struct CreateAPIKeys: AsyncMigration {
    func prepare(on database: any Database) async throws {
        typealias Column = APIKeyStore.Column
        try await database.schema(APIKeyStore.table)
            .id()
            .field(.string(Column.userID), .uuid, .required, .references(UserStore.table, "id", onDelete: .cascade))
            .field(.string(Column.name), .string, .required)
            .field(.string(Column.prefix), .string, .required)
            .field(.string(Column.secretHash), .string, .required)
            .field(.string(Column.createdAt), .datetime, .required)
            .field(.string(Column.lastUsedAt), .datetime)
            .unique(on: .string(Column.prefix), name: "api_keys_prefix_key")
            .create()
        try await database.sql.create(index: "api_keys_user_id_idx").on(APIKeyStore.table).column(Column.userID).run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(APIKeyStore.table).delete()
    }
}
