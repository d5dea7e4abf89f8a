import Fluent
import Foundation

/// A chat reply kept under the client's `Idempotency-Key`, in the database so every replica sees it.
final class IdempotencyRecord: Model, @unchecked Sendable {
    static let schema = "idempotency_keys"
    static let lifetime: TimeInterval = 24 * 60 * 60

    @ID(key: .id) var id: UUID?
    @Parent(key: "user_id") var user: User
    @Field(key: "key") var key: String
    /// SHA-256 of the request body in canonical form: the same key with another body is a conflict.
    @Field(key: "request_hash") var requestHash: String
    /// The `ChatResponse` as JSON.
    @Field(key: "response") var response: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(userID: UUID, key: String, requestHash: String, response: String) {
        self.$user.id = userID
        self.key = key
        self.requestHash = requestHash
        self.response = response
    }
}

struct CreateIdempotencyKeys: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(IdempotencyRecord.schema)
            .id()
            .field("user_id", .uuid, .required, .references(User.schema, "id", onDelete: .cascade))
            .field("key", .string, .required)
            .field("request_hash", .string, .required)
            .field("response", .string, .required)
            .field("created_at", .datetime)
            .unique(on: "user_id", "key", name: "idempotency_keys_user_id_key_key")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(IdempotencyRecord.schema).delete()
    }
}
