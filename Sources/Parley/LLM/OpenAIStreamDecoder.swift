/// OpenAI's `chat/completions` stream: SSE `data:` chunks with `choices[].delta.content`, a
/// `finish_reason`, a usage chunk with empty `choices`, then `data: [DONE]`. Lenient where servers
/// differ: `choices` may be empty or null, the role chunk may be missing, extra fields are ignored.
public struct OpenAIStreamDecoder: StreamDecoder {
    private var sse = SSEParser()

    public init() {}

    private struct Chunk: Decodable {
        struct Choice: Decodable {
            struct Delta: Decodable { var content: String? }
            var delta: Delta?
            var finish_reason: String?
        }
        struct Usage: Decodable {
            var prompt_tokens: Int?
            var completion_tokens: Int?
        }
        struct Failure: Decodable { var message: String? }
        var choices: [Choice]?
        var usage: Usage?
        var model: String?
        var error: Failure?
    }

    public mutating func feed(_ bytes: some Sequence<UInt8>) throws -> [StreamPart] {
        try sse.feed(bytes).flatMap(parts)
    }

    public mutating func finish() throws -> [StreamPart] {
        try sse.finish().flatMap(parts)
    }

    private func parts(_ event: ServerSentEvent) throws -> [StreamPart] {
        let data = event.data.trimmingCharacters(in: .whitespaces)
        if data == "[DONE]" { return [.end] }
        let chunk = try StreamJSON.decode(Chunk.self, from: data, protocolName: "OpenAI")
        if let failure = chunk.error {
            throw LLMError.providerReported(failure.message ?? "(no message)")
        }
        var parts: [StreamPart] = []
        if let model = chunk.model, !model.isEmpty { parts.append(.model(model)) }
        if let choice = chunk.choices?.first {
            if let content = choice.delta?.content { parts.append(.delta(content)) }
            if let reason = choice.finish_reason { parts.append(.finishReason(reason)) }
        }
        if let usage = chunk.usage {
            if let prompt = usage.prompt_tokens { parts.append(.promptTokens(prompt)) }
            if let completion = usage.completion_tokens { parts.append(.completionTokens(completion)) }
        }
        return parts
    }
}
