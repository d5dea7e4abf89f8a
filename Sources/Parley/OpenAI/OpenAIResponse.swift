import Foundation
import Vapor

/// OpenAI's usage object.
struct OpenAIUsage: Content {
    var prompt_tokens: Int
    var completion_tokens: Int
    var total_tokens: Int

    init(_ usage: TokenUsage) {
        prompt_tokens = usage.promptTokens
        completion_tokens = usage.completionTokens
        total_tokens = usage.promptTokens + usage.completionTokens
    }
}

/// A non-streamed answer: OpenAI's `chat.completion` object. The id is `chatcmpl-` and the
/// reply's id, which names its stored message when the turn was stored.
struct OpenAICompletion: Content {
    struct Choice: Content {
        struct Message: Content {
            var role = "assistant"
            var content: String
            var refusal: String?
        }
        var index = 0
        var message: Message
        var finish_reason: String
        var logprobs: String?
    }

    var id: String
    var object = "chat.completion"
    var created: Int
    var model: String
    var choices: [Choice]
    var usage: OpenAIUsage
    var system_fingerprint: String?
}

/// One `chat.completion.chunk` of a streamed answer.
struct OpenAIChunk: Encodable {
    struct Choice: Encodable {
        struct Delta: Encodable {
            var role: String?
            var content: String?
        }
        var index = 0
        var delta: Delta
        var finish_reason: String?

        // Written out so `finish_reason` is `null` until the last choice, as OpenAI sends it.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(delta, forKey: .delta)
            try container.encode(finish_reason, forKey: .finish_reason)
        }
        enum CodingKeys: String, CodingKey { case index, delta, finish_reason }
    }

    var id: String
    var object = "chat.completion.chunk"
    var created: Int
    var model: String
    var choices: [Choice]
    var usage: OpenAIUsage?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(object, forKey: .object)
        try container.encode(created, forKey: .created)
        try container.encode(model, forKey: .model)
        try container.encode(choices, forKey: .choices)
        try container.encodeIfPresent(usage, forKey: .usage)
    }
    enum CodingKeys: String, CodingKey { case id, object, created, model, choices, usage }
}

/// `GET /v1/models`.
struct OpenAIModelList: Content {
    struct Model: Content {
        var id: String
        var object = "model"
        var created = 0
        var owned_by: String
    }
    var object = "list"
    var data: [Model]
}

extension ChatResponse {
    /// OpenAI's reason: `length` when the reply filled its room, else `stop` (also for a reply
    /// stopped or interrupted, which OpenAI has no word for).
    func finishReason(maxTokens: Int) -> String {
        usage.completionTokens >= maxTokens ? "length" : "stop"
    }
}
