import Foundation
import Vapor

/// `POST /api/chat`'s body. Decoded leniently (strings for ids and roles) so that every bad value
/// becomes a precise 422 in `validated()` rather than a generic decoding error.
struct ChatRequest: Codable, Sendable {
    struct InputMessage: Codable, Sendable {
        var role: String
        var content: String
    }

    struct Options: Codable, Sendable {
        var temperature: Double?
        var maxTokens: Int?

        enum CodingKeys: String, CodingKey {
            case temperature, maxTokens = "max_tokens"
        }
    }

    var conversationID: String?
    var messages: [InputMessage]
    var model: String?
    var options: Options?
    var stream: Bool?

    enum CodingKeys: String, CodingKey {
        case conversationID = "conversation_id", messages, model, options, stream
    }
}

/// A chat request that passed every rule of API.md's Chat section.
struct ValidChatRequest: Sendable {
    var conversationID: UUID?
    var messages: [LLMMessage]
    var model: String?
    var temperature: Double?
    var maxTokens: Int?
    var stream: Bool
}

extension ChatRequest {
    static let maxContentLength = 100_000
    static let maxMessages = 1000

    func validated() throws -> ValidChatRequest {
        var issues: [ValidationFailure.Issue] = []
        var conversation: UUID?
        if let raw = conversationID {
            conversation = UUID(uuidString: raw)
            if conversation == nil {
                issues.append(.init(loc: ["body", "conversation_id"], msg: "Input should be a valid UUID", type: "uuid_parsing"))
            }
        }
        if messages.isEmpty {
            issues.append(.init(loc: ["body", "messages"], msg: "List should have at least 1 item after validation, not 0", type: "too_short"))
        } else if messages.count > Self.maxMessages {
            issues.append(.init(loc: ["body", "messages"], msg: "List should have at most \(Self.maxMessages) items", type: "too_long"))
        }
        for (index, message) in messages.enumerated() {
            let loc: [JSONValue] = ["body", "messages", .number(Double(index))]
            if MessageRole(rawValue: message.role) == nil {
                issues.append(.init(loc: loc + ["role"], msg: "Input should be 'system', 'user' or 'assistant'", type: "enum"))
            }
            do {
                _ = try TextRule.check(message.content, at: loc + ["content"], max: Self.maxContentLength)
                if message.content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    throw ValidationFailure(loc: loc + ["content"], msg: "String should not be blank", type: "string_too_short")
                }
            } catch let failure as ValidationFailure {
                issues += failure.issues
            }
        }
        if let last = messages.last, last.role != "user" {
            issues.append(.init(loc: ["body", "messages"], msg: "The last message must have role 'user'", type: "value_error"))
        }
        if let model {
            do { _ = try TextRule.check(model, at: ["body", "model"], max: 200) } catch let failure as ValidationFailure { issues += failure.issues }
        }
        if let temperature = options?.temperature, !(0...2).contains(temperature) {
            issues.append(.init(loc: ["body", "options", "temperature"], msg: "Input should be between 0 and 2", type: "less_than_equal"))
        }
        if let maxTokens = options?.maxTokens, maxTokens < 1 {
            issues.append(.init(loc: ["body", "options", "max_tokens"], msg: "Input should be greater than or equal to 1", type: "greater_than_equal"))
        }
        guard issues.isEmpty else { throw ValidationFailure(issues) }
        return ValidChatRequest(
            conversationID: conversation,
            messages: messages.map { LLMMessage(role: $0.role, content: $0.content) },
            model: model, temperature: options?.temperature, maxTokens: options?.maxTokens, stream: stream ?? false)
    }
}

struct ChatResponse: Content {
    var response: String
    var messageID: String
    var conversationID: String
    var model: String
    var usage: TokenUsage

    enum CodingKeys: String, CodingKey {
        case response, messageID = "message_id", conversationID = "conversation_id", model, usage
    }
}

/// The events of a streamed reply, exactly as API.md lists them.
enum ChatStreamEvent: Encodable {
    case start(conversationID: String, messageID: String)
    case delta(String)
    case done(ChatResponse)
    case error(String)

    private enum Keys: String, CodingKey {
        case type, content, detail, response, usage, model
        case messageID = "message_id", conversationID = "conversation_id"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        switch self {
        case let .start(conversationID, messageID):
            try container.encode("start", forKey: .type)
            try container.encode(conversationID, forKey: .conversationID)
            try container.encode(messageID, forKey: .messageID)
        case let .delta(text):
            try container.encode("delta", forKey: .type)
            try container.encode(text, forKey: .content)
        case let .done(reply):
            try container.encode("done", forKey: .type)
            try container.encode(reply.messageID, forKey: .messageID)
            try container.encode(reply.conversationID, forKey: .conversationID)
            try container.encode(reply.response, forKey: .response)
            try container.encode(reply.usage, forKey: .usage)
            try container.encode(reply.model, forKey: .model)
        case let .error(detail):
            try container.encode("error", forKey: .type)
            try container.encode(detail, forKey: .detail)
        }
    }
}

struct ModelInfo: Content {
    var id: String
    var provider: String
}
