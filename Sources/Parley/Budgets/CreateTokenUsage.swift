import Fluent
import SQLKit

/// The per-user monthly token count, and the budget column on `users`.
struct CreateTokenUsage: AsyncMigration {
    func prepare(on database: any Database) async throws {
        typealias Column = UsageStore.Column
        try await database.schema(UsageStore.table)
            .field(.string(Column.userID), .uuid, .required, .references(UserStore.table, "id", onDelete: .cascade))
            .field(.string(Column.month), .string, .required)
            .field(.string(Column.tokens), .int64, .required)
            .unique(on: .string(Column.userID), .string(Column.month), name: "token_usage_user_month_key")
            .create()
        try await database.schema(UserStore.table)
            .field(.string(UserStore.Column.monthlyTokenBudget), .int64)
            .update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(UserStore.table).deleteField(.string(UserStore.Column.monthlyTokenBudget)).update()
        try await database.schema(UsageStore.table).delete()
    }
}
