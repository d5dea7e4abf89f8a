import AsyncHTTPClient
import Foundation
import NIOHTTP1

/// Any OpenAI-compatible server: OpenAI, llama.cpp's server, vLLM, LM Studio, Ollama's `/v1`.
public struct OpenAIProvider: LLMProvider {
    public let name = "openai"
    let baseURL: String
    let apiKey: String?
    let transport: ProviderTransport

    private struct Body: Encodable {
        struct StreamOptions: Encodable { var include_usage = true }
        var model: String
        var messages: [LLMMessage]
        var stream = true
        var stream_options = StreamOptions()
        var max_tokens: Int
        var temperature: Double?
        var stop: [String]?
    }

    private var headers: HTTPHeaders {
        var headers: HTTPHeaders = ["Content-Type": "application/json", "Accept": "text/event-stream"]
        if let apiKey { headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        return headers
    }

    public func streamReply(to request: LLMRequest, onDelta: @escaping @Sendable (String) async throws -> Void) async throws -> LLMCompletion {
        let body = try JSONEncoder().encode(Body(
            model: request.model, messages: request.messages, max_tokens: request.maxTokens, temperature: request.temperature, stop: request.stop))
        return try await transport.stream(
            url: baseURL + "/chat/completions", headers: headers, body: body, decoder: OpenAIStreamDecoder(), onDelta: onDelta)
    }

    private struct ModelList: Decodable, Sendable {
        struct Model: Decodable, Sendable { var id: String }
        var data: [Model]
    }

    public func listModels() async throws -> [String] {
        let list = try await transport.getJSON(ModelList.self, url: baseURL + "/models", headers: headers, protocolName: "OpenAI")
        return list.data.map(\.id)
    }
}
