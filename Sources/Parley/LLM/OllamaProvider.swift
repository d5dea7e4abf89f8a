import AsyncHTTPClient
import Foundation
import NIOHTTP1

/// Ollama's native API: `/api/chat` as NDJSON, `/api/tags` for models.
public struct OllamaProvider: LLMProvider {
    public let name = "ollama"
    let baseURL: String
    let apiKey: String?
    let transport: ProviderTransport

    private struct Body: Encodable {
        struct Options: Encodable {
            var num_predict: Int
            var temperature: Double?
            var stop: [String]?
        }
        var model: String
        var messages: [LLMMessage]
        var stream = true
        var options: Options
    }

    private var headers: HTTPHeaders {
        var headers: HTTPHeaders = ["Content-Type": "application/json"]
        // Ollama itself takes no key; a proxy in front of it may.
        if let apiKey { headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        return headers
    }

    public func streamReply(to request: LLMRequest, onDelta: @escaping @Sendable (String) async throws -> Void) async throws -> LLMCompletion {
        let body = try JSONEncoder().encode(Body(
            model: request.model, messages: request.messages,
            options: .init(num_predict: request.maxTokens, temperature: request.temperature, stop: request.stop)))
        return try await transport.stream(
            url: baseURL + "/api/chat", headers: headers, body: body, decoder: OllamaStreamDecoder(), onDelta: onDelta)
    }

    private struct Tags: Decodable, Sendable {
        struct Model: Decodable, Sendable { var name: String }
        var models: [Model]
    }

    public func listModels() async throws -> [String] {
        let tags = try await transport.getJSON(Tags.self, url: baseURL + "/api/tags", headers: headers, protocolName: "Ollama")
        return tags.models.map(\.name)
    }
}
