import Fluent

struct CreateUsers: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(User.schema)
            .id()
            .field("email", .string, .required)
            .field("hashed_password", .string, .required)
            .field("full_name", .string)
            .field("is_active", .bool, .required)
            .field("is_superuser", .bool, .required)
            .field("password_changed_at", .datetime)
            .field("created_at", .datetime)
            .unique(on: "email", name: "users_email_key")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(User.schema).delete()
    }
}
