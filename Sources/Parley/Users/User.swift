import Fluent
import Foundation

final class User: Model, @unchecked Sendable {
    static let schema = "users"

    @ID(key: .id) var id: UUID?
    /// Always stored lowercase, so the unique index is case-insensitive.
    @Field(key: "email") var email: String
    @Field(key: "hashed_password") var passwordHash: String
    @OptionalField(key: "full_name") var fullName: String?
    @Field(key: "is_active") var isActive: Bool
    @Field(key: "is_superuser") var isSuperuser: Bool
    /// Tokens issued before this instant are rejected.
    @OptionalField(key: "password_changed_at") var passwordChangedAt: Date?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(email: String, passwordHash: String, fullName: String?, isActive: Bool = true, isSuperuser: Bool = false) {
        self.email = email
        self.passwordHash = passwordHash
        self.fullName = fullName
        self.isActive = isActive
        self.isSuperuser = isSuperuser
    }
}
