import Foundation
import Vapor

/// `POST /api/chat`'s body. Decoded leniently (strings for ids and roles) so that every bad value
/// becomes a precise 422 in `validated()` rather than a generic decoding error.
struct ChatRequest: Codable, Sendable {
    init(conversationID: String?, messages: [InputMessage], model: String?, options: Options?, stream: Bool?) {
        self.conversationID = conversationID
        self.messages = messages
        self.model = model
        self.options = options
        self.stream = stream
    }

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
    /// Absent: the turn follows the current branch; null: it starts a new root; an id: it
    /// follows that message (edit, regenerate).
    var parentID: String??

    enum CodingKeys: String, CodingKey {
        case conversationID = "conversation_id", messages, model, options, stream, parentID = "parent_id"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        conversationID = try container.decodeIfPresent(String.self, forKey: .conversationID)
        messages = try container.decode([InputMessage].self, forKey: .messages)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        options = try container.decodeIfPresent(Options.self, forKey: .options)
        stream = try container.decodeIfPresent(Bool.self, forKey: .stream)
        if container.contains(.parentID) {
            parentID = .some(try container.decodeIfPresent(String.self, forKey: .parentID))
        }
    }

    /// The canonical form an `Idempotency-Key` compares (null and absent parents differ).
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(conversationID, forKey: .conversationID)
        try container.encode(messages, forKey: .messages)
        try container.encodeIfPresent(model, forKey: .model)
        try container.encodeIfPresent(options, forKey: .options)
        try container.encodeIfPresent(stream, forKey: .stream)
        if let parentID { try container.encode(parentID, forKey: .parentID) }
    }
}

/// Where a turn goes in the conversation's tree.
enum TurnParent: Sendable, Equatable {
    case currentBranch
    case root
    case message(UUID)
}

/// A chat request that passed every rule of API.md's Chat section.
struct ValidChatRequest: Sendable {
    var conversationID: UUID?
    var parent: TurnParent = .currentBranch
    /// Empty only for a regenerate.
    var messages: [LLMMessage]
    var model: String?
    var temperature: Double?
    var maxTokens: Int?
    var stream: Bool
    /// Stop sequences (`/v1/chat/completions`' `stop`), passed to the provider.
    var stop: [String]?
    /// False for a stateless turn (`/v1/chat/completions` without `X-Parley-Conversation`):
    /// the same engine runs it, but nothing about it is written (see `ChatService.Turn.isStored`).
    var isStored = true
}

extension ChatRequest {
    func validated() throws -> ValidChatRequest {
        var issues: [ValidationFailure.Issue] = []
        var conversation: UUID?
        if let raw = conversationID {
            conversation = UUID(uuidString: raw)
            if conversation == nil {
                issues.append(.init(loc: ["body", "conversation_id"], msg: "Input should be a valid UUID", type: "uuid_parsing"))
            }
        }
        var parent = TurnParent.currentBranch
        switch parentID {
        case .none: break
        case .some(.none): parent = .root
        case let .some(.some(raw)):
            if let id = UUID(uuidString: raw) { parent = .message(id) } else {
                issues.append(.init(loc: ["body", "parent_id"], msg: "Input should be a valid UUID", type: "uuid_parsing"))
            }
        }
        if parent != .currentBranch && conversationID == nil {
            issues.append(.init(loc: ["body", "parent_id"], msg: "parent_id needs the conversation_id it belongs to", type: "value_error"))
        }
        let regenerating: Bool
        if case .message = parent { regenerating = messages.isEmpty } else { regenerating = false }
        if messages.isEmpty && !regenerating {
            issues.append(.init(loc: ["body", "messages"], msg: "List should have at least 1 item after validation, not 0 (an empty list only regenerates the reply to parent_id)", type: "too_short"))
        } else if messages.count > Limits.Chat.messages.upperBound {
            issues.append(.init(loc: ["body", "messages"], msg: "List should have at most \(Limits.Chat.messages.upperBound) items", type: "too_long"))
        }
        var valid: [LLMMessage] = []
        for (index, message) in messages.enumerated() {
            let loc: [JSONValue] = ["body", "messages", .number(Double(index))]
            if let role = MessageRole(rawValue: message.role) {
                valid.append(LLMMessage(role: role, content: message.content))
            } else {
                issues.append(.init(loc: loc + ["role"], msg: "Input should be 'system', 'user' or 'assistant'", type: "enum"))
            }
            do {
                _ = try TextRule.check(message.content, at: loc + ["content"], length: Limits.Chat.content)
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
            do { _ = try TextRule.check(model, at: ["body", "model"], length: Limits.Conversation.model) } catch let failure as ValidationFailure { issues += failure.issues }
        }
        let temperatures = Limits.Chat.temperature
        if let temperature = options?.temperature, !temperatures.contains(temperature) {
            issues.append(.init(loc: ["body", "options", "temperature"],
                                msg: String(format: "Input should be between %g and %g", temperatures.lowerBound, temperatures.upperBound),
                                type: "less_than_equal"))
        }
        if let maxTokens = options?.maxTokens, maxTokens < Limits.Chat.minimumMaxTokens {
            issues.append(.init(loc: ["body", "options", "max_tokens"],
                                msg: "Input should be greater than or equal to \(Limits.Chat.minimumMaxTokens)", type: "greater_than_equal"))
        }
        guard issues.isEmpty else { throw ValidationFailure(issues) }
        return ValidChatRequest(
            conversationID: conversation, parent: parent,
            messages: valid,
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

struct ModelInfo: Content {
    var id: String
    var provider: String
}
