import Fluent
import SQLKit

struct CreateUsers: AsyncMigration {
    func prepare(on database: any Database) async throws {
        typealias Column = UserStore.Column
        try await database.schema(UserStore.table)
            .id()
            .field(.string(Column.email), .string, .required)
            .field(.string(Column.passwordHash), .string, .required)
            .field(.string(Column.fullName), .string)
            .field(.string(Column.isActive), .bool, .required)
            .field(.string(Column.isSuperuser), .bool, .required)
            .field(.string(Column.passwordChangedAt), .datetime)
            .field(.string(Column.createdAt), .datetime)
            .unique(on: .string(Column.email), name: "users_email_key")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(UserStore.table).delete()
    }
}

/// Tokens carry the version they were issued under; a password change moves it on.
struct UpdateUsersAddTokenVersion: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(UserStore.table)
            .field(.string(UserStore.Column.tokenVersion), .int, .required, .sql(.default(0)))
            .update()
        // Tokens issued before a password change were told apart by their `iat`; tokens carry a
        // version now, so every account that changed its password starts one version on.
        try await database.sql.update(UserStore.table)
            .set(UserStore.Column.tokenVersion, to: 1)
            .where(UserStore.Column.passwordChangedAt, .isNot, SQLLiteral.null)
            .run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(UserStore.table).deleteField(.string(UserStore.Column.tokenVersion)).update()
    }
}
