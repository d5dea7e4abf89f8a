import Fluent
import Foundation
import Testing
import Vapor
@testable import Parley

/// One real round trip through each protocol's client, checking what reached the provider.
@Suite struct ProviderProtocolTests {
    @Test func ollamaNativeChat() async throws {
        try await withChatServer(.ollama, { $0.llmAPIKey = "ollama-proxy-key" }) { server, fake in
            let ann = try await server.user("ann@example.com")
            let response = try await server.send(.POST, "/api/chat", token: ann, json: [
                "messages": [["role": "user", "content": "Hi"]], "options": ["max_tokens": 64, "temperature": 0.5],
            ])
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.object["response"] as? String == fake.reply)
            #expect(response.object["usage"] as? [String: Int] == ["prompt_tokens": FakeProvider.promptTokens, "completion_tokens": 4])
            let sent = try #require(fake.received.first)
            #expect(sent.path == "/api/chat")
            #expect(sent.json["stream"] as? Bool == true)
            #expect((sent.json["options"] as? [String: Any])?["num_predict"] as? Int == 64)
            #expect((sent.json["options"] as? [String: Any])?["temperature"] as? Double == 0.5)
            #expect(sent.headers.first(name: "Authorization") == "Bearer ollama-proxy-key")

            let models = try await server.send(.GET, "/api/v1/models", token: ann)
            #expect(models.array.compactMap { $0["id"] as? String } == ["fake-model", "other-model"])
            #expect(models.array.first?["provider"] as? String == "ollama")
        }
    }

    @Test func anthropicMessages() async throws {
        try await withChatServer(.anthropic, { $0.llmAPIKey = "sk-ant-test"; $0.llmSystemPrompt = "Be kind." }) { server, fake in
            let ann = try await server.user("ann@example.com")
            let response = try await server.send(.POST, "/api/chat", token: ann, json: ["messages": [
                ["role": "system", "content": "Be brief."], ["role": "user", "content": "Hi"],
            ]])
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.object["response"] as? String == fake.reply)
            #expect(response.object["usage"] as? [String: Int] == ["prompt_tokens": FakeProvider.promptTokens, "completion_tokens": 4])
            let sent = try #require(fake.received.first)
            #expect(sent.path == "/v1/messages")
            #expect(sent.headers.first(name: "x-api-key") == "sk-ant-test")
            #expect(sent.headers.first(name: "anthropic-version") == AnthropicProvider.apiVersion)
            #expect(sent.headers.first(name: "Authorization") == nil)
            #expect(sent.json["system"] as? String == "Be kind.\n\nBe brief.")
            #expect(sent.json["max_tokens"] as? Int == ChatService.defaultMaxTokens)
            #expect(sent.messages == [["role": "user", "content": "Hi"]])
        }
    }

    @Test func theAPIKeyIsABearerTokenForOpenAI() async throws {
        try await withChatServer(.openai, { $0.llmAPIKey = "sk-test" }) { server, fake in
            let ann = try await server.user("ann@example.com")
            _ = try await server.send(.POST, "/api/chat", token: ann, json: ["messages": [["role": "user", "content": "Hi"]]])
            #expect(fake.received.first?.headers.first(name: "Authorization") == "Bearer sk-test")
        }
    }
}
