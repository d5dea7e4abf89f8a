import Vapor

struct ConversationPublic: Content {
    var id: String
    var title: String
    var created_at: String
    var updated_at: String
    /// Always present, null for a conversation without messages.
    var current_message_id: String?
    /// Null: chats use `LLM_MODEL`.
    var model: String?

    init(_ conversation: ConversationRow) {
        id = conversation.id.lowercasedString
        title = conversation.title
        created_at = RFC3339.string(conversation.createdAt)
        updated_at = RFC3339.string(conversation.updatedAt)
        current_message_id = conversation.currentMessageID?.lowercasedString
        model = conversation.model
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(title, forKey: .title)
        try container.encode(created_at, forKey: .created_at)
        try container.encode(updated_at, forKey: .updated_at)
        try container.encode(current_message_id, forKey: .current_message_id)
        try container.encode(model, forKey: .model)
    }
}

/// A message as the API shows it: the seed's four fields, then the tree and the reply's state.
/// `model` and `usage` appear on replies that have them.
struct MessagePublic: Content {
    var id: String
    var content: String
    var role: String
    var created_at: String
    var parent_id: String?
    var status: String
    var model: String?
    var usage: TokenUsage?

    init(_ message: ListedMessage) {
        id = message.id.lowercasedString
        content = message.content
        role = message.role.rawValue
        created_at = RFC3339.string(message.createdAt)
        parent_id = message.parentID?.lowercasedString
        status = message.status.rawValue
        model = message.model
        usage = message.usage
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(content, forKey: .content)
        try container.encode(role, forKey: .role)
        try container.encode(created_at, forKey: .created_at)
        try container.encode(parent_id, forKey: .parent_id)
        try container.encode(status, forKey: .status)
        try container.encodeIfPresent(model, forKey: .model)
        try container.encodeIfPresent(usage, forKey: .usage)
    }
}

/// `POST` takes an optional `title` (a default applies) and `model`; `PATCH` takes `title`,
/// `current_message_id` (a branch switch), `model` (null: back to `LLM_MODEL`), or several.
struct ConversationChangeRequest: Decodable {
    var title: String?
    var currentMessageID: String?
    var model: String?
    var modelSent = false

    enum CodingKeys: String, CodingKey {
        case title, currentMessageID = "current_message_id", model
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        title = try container.decodeIfPresent(String.self, forKey: .title)
        currentMessageID = try container.decodeIfPresent(String.self, forKey: .currentMessageID)
        modelSent = container.contains(.model)
        model = try container.decodeIfPresent(String.self, forKey: .model)
    }
}
