import Foundation
import Vapor

/// What a reply tells the clients attached to it, in order: `start`, any number of `delta`, then
/// one terminal event. The same events go to the client that asked (streamed or not) and to every
/// client that attaches later.
enum ReplyEvent: Sendable {
    case start(conversationID: UUID, messageID: UUID)
    case delta(Substring)
    /// `complete` is API.md's `done`; `stopped` and `interrupted` carry the text as stored.
    case finished(MessageStatus, ChatResponse)
    /// Nothing was stored (a provider failure): API.md's `error`.
    case failed(any Error)

    var isTerminal: Bool {
        switch self {
        case .finished, .failed: true
        case .start, .delta: false
        }
    }
}

/// An event with its id within the reply (see `ReplyText`).
struct NumberedEvent: Sendable {
    var id: Int
    var event: ReplyEvent
}

extension ReplyEvent: Encodable {
    private enum Keys: String, CodingKey {
        case type, content, detail, response, usage, model
        case messageID = "message_id", conversationID = "conversation_id"
    }

    /// API.md's event shapes.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        switch self {
        case let .start(conversationID, messageID):
            try container.encode("start", forKey: .type)
            try container.encode(conversationID.lowercasedString, forKey: .conversationID)
            try container.encode(messageID.lowercasedString, forKey: .messageID)
        case let .delta(text):
            try container.encode("delta", forKey: .type)
            try container.encode(String(text), forKey: .content)
        case let .finished(status, reply):
            try container.encode(status == .complete ? "done" : status.rawValue, forKey: .type)
            try container.encode(reply.messageID, forKey: .messageID)
            try container.encode(reply.conversationID, forKey: .conversationID)
            try container.encode(reply.response, forKey: .response)
            if status == .complete {
                try container.encode(reply.usage, forKey: .usage)
                try container.encode(reply.model, forKey: .model)
            }
        case let .failed(error):
            try container.encode("error", forKey: .type)
            try container.encode((error.forClient as? any AbortError)?.reason ?? "Internal server error", forKey: .detail)
        }
    }
}
