/// Anthropic's Messages stream: `message_start` (model, input tokens), `content_block_delta` text,
/// `message_delta` (stop reason, output tokens), `message_stop`; `ping` is ignored and `error`
/// ends the stream with the provider's message.
public struct AnthropicStreamDecoder: StreamDecoder {
    private var sse = SSEParser()

    public init() {}

    private struct Event: Decodable {
        struct Usage: Decodable {
            var input_tokens: Int?
            var output_tokens: Int?
        }
        struct Message: Decodable {
            var model: String?
            var usage: Usage?
        }
        struct Delta: Decodable {
            var type: String?
            var text: String?
            var stop_reason: String?
        }
        struct Failure: Decodable {
            var type: String?
            var message: String?
        }
        var type: String
        var message: Message?
        var delta: Delta?
        var usage: Usage?
        var error: Failure?
    }

    public mutating func feed(_ bytes: some Sequence<UInt8>) throws -> [StreamPart] {
        try sse.feed(bytes).flatMap(parts)
    }

    public mutating func finish() throws -> [StreamPart] {
        try sse.finish().flatMap(parts)
    }

    private func parts(_ sseEvent: ServerSentEvent) throws -> [StreamPart] {
        let event = try StreamJSON.decode(Event.self, from: sseEvent.data, protocolName: "Anthropic")
        switch event.type {
        case "message_start":
            var parts: [StreamPart] = []
            if let model = event.message?.model { parts.append(.model(model)) }
            if let input = event.message?.usage?.input_tokens { parts.append(.promptTokens(input)) }
            if let output = event.message?.usage?.output_tokens { parts.append(.completionTokens(output)) }
            return parts
        case "content_block_delta":
            guard event.delta?.type == "text_delta", let text = event.delta?.text else { return [] }
            return [.delta(text)]
        case "message_delta":
            var parts: [StreamPart] = []
            if let reason = event.delta?.stop_reason { parts.append(.finishReason(reason)) }
            if let output = event.usage?.output_tokens { parts.append(.completionTokens(output)) }
            return parts
        case "message_stop":
            return [.end]
        case "error":
            throw LLMError.providerReported(event.error?.message ?? "(no message)")
        default:
            return []  // ping, content_block_start/stop, and event types added later
        }
    }
}
