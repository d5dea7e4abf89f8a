import Vapor

struct ConversationPublic: Content {
    var id: String
    var title: String
    var created_at: String
    var updated_at: String

    init(_ conversation: ConversationRow) {
        id = conversation.id.lowercasedString
        title = conversation.title
        created_at = RFC3339.string(conversation.createdAt)
        updated_at = RFC3339.string(conversation.updatedAt)
    }
}

struct MessagePublic: Content {
    var id: String
    var content: String
    var role: String
    var created_at: String

    init(_ message: ListedMessage) {
        id = message.id.lowercasedString
        content = message.content
        role = message.role.rawValue
        created_at = RFC3339.string(message.createdAt)
    }
}

/// `title` is optional on create (a default applies) and required on rename.
struct ConversationTitleRequest: Decodable {
    var title: String?
}
