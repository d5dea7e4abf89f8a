import Foundation
import Vapor

/// `POST /v1/chat/completions`'s body, as OpenAI's clients send it. Fields Parley does not act on
/// (`n` above 1 is refused; `top_p`, `presence_penalty`, `frequency_penalty`, `seed`,
/// `logit_bias`, `user`, `tools`, `response_format`…) are accepted and ignored, so clients that
/// always send them keep working; README lists them.
struct OpenAIChatRequest: Decodable, Sendable {
    struct Message: Decodable, Sendable {
        var role: String
        var content: String

        enum CodingKeys: String, CodingKey { case role, content }

        /// `content` is a string, or a list of parts of which the text ones are joined (images
        /// and audio are not something the providers behind Parley take).
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            role = try container.decode(String.self, forKey: .role)
            if let text = try? container.decode(String.self, forKey: .content) {
                content = text
            } else if let parts = try? container.decode([Part].self, forKey: .content) {
                content = parts.compactMap { $0.type == "text" ? $0.text : nil }.joined()
            } else if try container.decodeNil(forKey: .content) {
                content = ""
            } else {
                content = try container.decode(String.self, forKey: .content)
            }
        }
    }

    struct Part: Decodable, Sendable {
        var type: String
        var text: String?
    }

    struct StreamOptions: Decodable, Sendable {
        var includeUsage: Bool?
        enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
    }

    var model: String?
    var messages: [Message]
    var stream: Bool?
    var streamOptions: StreamOptions?
    var maxTokens: Int?
    var maxCompletionTokens: Int?
    var temperature: Double?
    var n: Int?
    var stop: Stop?

    /// `stop`: one string or a list (OpenAI allows up to 4).
    struct Stop: Decodable, Sendable {
        var sequences: [String]
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let one = try? container.decode(String.self) { sequences = [one] } else { sequences = try container.decode([String].self) }
        }
    }

    enum CodingKeys: String, CodingKey {
        case model, messages, stream, temperature, n, stop
        case streamOptions = "stream_options", maxTokens = "max_tokens", maxCompletionTokens = "max_completion_tokens"
    }

    /// The turn in Parley's terms, checked by `/api/chat`'s rules (the same 422s, answered as
    /// OpenAI's 400s). OpenAI's `developer` role is a system message. Stored in a conversation
    /// that already has messages, only what follows the request's last assistant message is
    /// new: OpenAI clients resend the whole history, which the conversation already holds.
    func validated(conversation: ParleyConversationHeader) throws -> ValidChatRequest {
        if let n, n != 1 {
            throw ValidationFailure(loc: ["body", "n"], msg: "Only n=1 is supported", type: "value_error")
        }
        var turn = messages.map { ChatRequest.InputMessage(role: $0.role == "developer" ? "system" : $0.role, content: $0.content) }
        if case .existing = conversation, let lastAssistant = turn.lastIndex(where: { $0.role == "assistant" }) {
            turn = Array(turn[(lastAssistant + 1)...])
        }
        var conversationID: String?
        if case let .existing(id) = conversation { conversationID = id.lowercasedString }
        let chat = ChatRequest(
            conversationID: conversationID, messages: turn, model: model,
            options: .init(temperature: temperature, maxTokens: maxCompletionTokens ?? maxTokens), stream: stream)
        if let stop, stop.sequences.count > Limits.Chat.maxStopSequences || stop.sequences.contains(where: \.isEmpty) {
            throw ValidationFailure(loc: ["body", "stop"], msg: "Up to \(Limits.Chat.maxStopSequences) non-empty stop sequences", type: "value_error")
        }
        var valid = try chat.validated()
        valid.stop = stop?.sequences
        valid.isStored = conversation != ParleyConversationHeader.none
        return valid
    }

    var includeUsage: Bool { streamOptions?.includeUsage ?? false }
}

/// `X-Parley-Conversation`: absent (stateless, like OpenAI), `new`, or a conversation's id.
enum ParleyConversationHeader: Equatable, Sendable {
    case none
    case new
    case existing(UUID)

    static let name = "X-Parley-Conversation"

    init(_ request: Request) throws {
        guard let raw = request.headers.first(name: Self.name)?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else {
            self = .none
            return
        }
        if raw.lowercased() == "new" {
            self = .new
        } else if let id = UUID(canonicalText: raw.lowercased()) {
            self = .existing(id)
        } else {
            throw ValidationFailure(loc: ["header", "x-parley-conversation"], msg: "Input should be 'new' or a conversation's UUID", type: "value_error")
        }
    }
}
