import Fluent
import Foundation

final class Message: Model, @unchecked Sendable {
    static let schema = "messages"

    enum Role: String, Codable, Sendable, CaseIterable {
        case system, user, assistant
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "conversation_id") var conversation: Conversation
    @Field(key: "role") var role: Role
    @Field(key: "content") var content: String
    /// Order within the conversation; timestamps alone can tie.
    @Field(key: "position") var position: Int
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    /// False for a reply cut short because the client went away mid-stream.
    @Field(key: "is_complete") var isComplete: Bool
    /// For assistant replies: the model that answered and the tokens it counted.
    @OptionalField(key: "model") var model: String?
    @OptionalField(key: "prompt_tokens") var promptTokens: Int?
    @OptionalField(key: "completion_tokens") var completionTokens: Int?

    init() {}

    init(conversationID: UUID, role: Role, content: String, position: Int) {
        self.$conversation.id = conversationID
        self.role = role
        self.content = content
        self.position = position
        self.isComplete = true
    }
}
