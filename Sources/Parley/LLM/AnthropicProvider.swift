import AsyncHTTPClient
import Foundation
import NIOHTTP1

/// Anthropic's Messages API: system prompt as a top-level field, `max_tokens` always sent,
/// `x-api-key` and `anthropic-version` headers.
public struct AnthropicProvider: LLMProvider {
    public let name = "anthropic"
    static let apiVersion = "2023-06-01"
    /// With or without a trailing `/v1` in `LLM_BASE_URL`.
    let apiURL: String
    let apiKey: String?
    let transport: ProviderTransport

    init(baseURL: String, apiKey: String?, transport: ProviderTransport) {
        self.apiURL = baseURL.hasSuffix("/v1") ? baseURL : baseURL + "/v1"
        self.apiKey = apiKey
        self.transport = transport
    }

    struct Body: Encodable {
        var model: String
        var system: String?
        var messages: [LLMMessage]
        var max_tokens: Int
        var temperature: Double?
        var stop_sequences: [String]?
        var stream = true
    }

    /// System messages go to the top-level `system` field; the rest keep their order, with
    /// consecutive turns of one role joined, since the API expects user and assistant to alternate.
    static func body(for request: LLMRequest) -> Body {
        let system = request.messages.filter { $0.role == .system }.map(\.content).joined(separator: "\n\n")
        var turns: [LLMMessage] = []
        for message in request.messages where message.role != .system {
            if let last = turns.last, last.role == message.role {
                turns[turns.count - 1].content += "\n\n" + message.content
            } else {
                turns.append(message)
            }
        }
        return Body(model: request.model, system: system.isEmpty ? nil : system, messages: turns,
                    max_tokens: request.maxTokens, temperature: request.temperature, stop_sequences: request.stop)
    }

    private var headers: HTTPHeaders {
        var headers: HTTPHeaders = [
            "Content-Type": "application/json", "Accept": "text/event-stream", "anthropic-version": Self.apiVersion,
        ]
        if let apiKey { headers.add(name: "x-api-key", value: apiKey) }
        return headers
    }

    public func streamReply(to request: LLMRequest, onDelta: @escaping @Sendable (String) async throws -> Void) async throws -> LLMCompletion {
        let body = try JSONEncoder().encode(Self.body(for: request))
        return try await transport.stream(
            url: apiURL + "/messages", headers: headers, body: body, decoder: AnthropicStreamDecoder(), onDelta: onDelta)
    }

    private struct ModelList: Decodable, Sendable {
        struct Model: Decodable, Sendable { var id: String }
        var data: [Model]
    }

    public func listModels() async throws -> [String] {
        let list = try await transport.getJSON(ModelList.self, url: apiURL + "/models", headers: headers, protocolName: "Anthropic")
        return list.data.map(\.id)
    }
}
