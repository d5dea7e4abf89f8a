/// Ollama's native `/api/chat` stream: one JSON object a line, `message.content` pieces, and a
/// last line with `done: true`, `done_reason`, `prompt_eval_count` and `eval_count`.
public struct OllamaStreamDecoder: StreamDecoder {
    private var lines = LineSplitter()

    public init() {}

    private struct Line: Decodable {
        struct Message: Decodable { var content: String? }
        var model: String?
        var message: Message?
        var done: Bool?
        var done_reason: String?
        var prompt_eval_count: Int?
        var eval_count: Int?
        var error: String?
    }

    public mutating func feed(_ bytes: some Sequence<UInt8>) throws -> [StreamPart] {
        try lines.feed(bytes).flatMap(parts)
    }

    public mutating func finish() throws -> [StreamPart] {
        try lines.finish().flatMap(parts)
    }

    private func parts(_ text: String) throws -> [StreamPart] {
        let line = try StreamJSON.decode(Line.self, from: text, protocolName: "Ollama")
        if let error = line.error { throw LLMError.providerReported(error) }
        var parts: [StreamPart] = []
        if let model = line.model, !model.isEmpty { parts.append(.model(model)) }
        if let content = line.message?.content { parts.append(.delta(content)) }
        if line.done == true {
            if let reason = line.done_reason { parts.append(.finishReason(reason)) }
            if let prompt = line.prompt_eval_count { parts.append(.promptTokens(prompt)) }
            if let completion = line.eval_count { parts.append(.completionTokens(completion)) }
            parts.append(.end)
        }
        return parts
    }
}
