import Foundation

/// A conversation as Parley exports it and imports it back: the conversation's fields, then every
/// message of every branch in creation order, each naming its parent.
struct ExportedConversation: Codable, Sendable {
    var id: String?
    var title: String?
    var created_at: String?
    var updated_at: String?
    var current_message_id: String?
    var messages: [ExportedMessage]
}

struct ExportedMessage: Codable, Sendable {
    var id: String
    var parent_id: String?
    var role: String
    var content: String
    var status: String?
    var model: String?
    var created_at: String?
    var usage: TokenUsage?

    init(_ message: ListedMessage) {
        id = message.id.lowercasedString
        parent_id = message.parentID?.lowercasedString
        role = message.role.rawValue
        content = message.content
        status = message.status.rawValue
        model = message.model
        created_at = RFC3339.string(message.createdAt)
        usage = message.usage
    }

    /// Every field always present (null when empty), so the export documents itself.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(parent_id, forKey: .parent_id)
        try container.encode(role, forKey: .role)
        try container.encode(content, forKey: .content)
        try container.encode(status, forKey: .status)
        try container.encode(model, forKey: .model)
        try container.encode(created_at, forKey: .created_at)
        try container.encodeIfPresent(usage, forKey: .usage)
    }
}
