import Fluent
import Foundation

final class Conversation: Model, @unchecked Sendable {
    static let schema = "conversations"
    static let defaultTitle = "New Conversation"

    @ID(key: .id) var id: UUID?
    @Parent(key: "user_id") var user: User
    @Field(key: "title") var title: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    init(userID: UUID, title: String) {
        self.$user.id = userID
        self.title = title
    }
}
