import Foundation
import Testing
import Vapor
@testable import Parley

@Suite struct OpenAICompatTests {
    private func key(_ server: TestServer, _ token: String) async throws -> String {
        let created = try await server.send(.POST, "/api/v1/users/me/api-keys", token: token, json: ["name": "openai"])
        return try #require(created.object["key"] as? String)
    }

    @Test func aNonStreamedCompletionHasOpenAIsShapeAndStoresNothing() async throws {
        try await withChatServer { server, fake in
            let key = try await key(server, try await server.user("ann@example.com"))
            let response = try await server.send(.POST, "/v1/chat/completions", token: key, json: [
                "model": "other-model", "max_tokens": 50, "temperature": 0.5, "stop": ["\n"],
                "messages": [["role": "system", "content": "Be brief."], ["role": "user", "content": "Hi"],
                             ["role": "assistant", "content": "Hello."], ["role": "user", "content": [["type": "text", "text": "Again"]]]],
            ])
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.object["object"] as? String == "chat.completion")
            #expect((response.object["id"] as? String)?.hasPrefix("chatcmpl-") == true)
            #expect(response.object["created"] is Int)
            let choice = try #require((response.object["choices"] as? [[String: Any]])?.first)
            #expect((choice["message"] as? [String: Any])?["content"] as? String == fake.reply)
            #expect((choice["message"] as? [String: Any])?["role"] as? String == "assistant")
            #expect(choice["finish_reason"] as? String == "stop")
            let usage = try #require(response.object["usage"] as? [String: Int])
            #expect(usage == ["prompt_tokens": FakeProvider.promptTokens, "completion_tokens": 4, "total_tokens": FakeProvider.promptTokens + 4])
            #expect(response.headers.first(name: "X-Parley-Conversation") == nil)

            let sent = try #require(fake.received.last)
            #expect(sent.json["model"] as? String == "other-model")
            #expect(sent.json["max_tokens"] as? Int == 50)
            #expect(sent.json["temperature"] as? Double == 0.5)
            #expect(sent.json["stop"] as? [String] == ["\n"])
            #expect(sent.messages == [["role": "system", "content": "Be brief."], ["role": "user", "content": "Hi"],
                                      ["role": "assistant", "content": "Hello."], ["role": "user", "content": "Again"]])
            // Stateless: no conversation, no message.
            #expect(try await server.storedMessages().isEmpty)
            let ann = try await server.token("ann@example.com")
            #expect(try await server.send(.GET, "/api/v1/conversations/", token: ann).array.isEmpty)
        }
    }

    @Test func aStreamedCompletionEndsWithUsageAndDone() async throws {
        try await withChatServer { server, fake in
            let ann = try await server.user("ann@example.com")
            let response = try await server.send(.POST, "/v1/chat/completions", token: ann, json: [
                "model": "fake-model", "stream": true, "stream_options": ["include_usage": true],
                "messages": [["role": "user", "content": "Hi"]],
            ])
            #expect(response.status == .ok)
            #expect(response.headers.first(name: .contentType) == "text/event-stream")
            let events = response.text.components(separatedBy: "\n\n").filter { $0.hasPrefix("data: ") }
            #expect(events.last == "data: [DONE]")
            let chunks = events.dropLast().map(eventJSON)
            #expect(chunks.allSatisfy { $0["object"] as? String == "chat.completion.chunk" })
            #expect(Set(chunks.compactMap { $0["id"] as? String }).count == 1)
            let deltas = chunks.compactMap { (($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String }
            #expect(deltas.joined() == fake.reply)
            let finish = chunks.compactMap { ($0["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String }
            #expect(finish == ["stop"])
            let last = try #require(chunks.last)
            #expect((last["choices"] as? [Any])?.isEmpty == true)
            #expect((last["usage"] as? [String: Int])?["total_tokens"] == FakeProvider.promptTokens + 4)

            // Without include_usage there is no usage chunk.
            let plain = try await server.send(.POST, "/v1/chat/completions", token: ann, json: [
                "stream": true, "messages": [["role": "user", "content": "Hi"]],
            ])
            #expect(!plain.text.contains("\"usage\""))
            #expect(plain.text.hasSuffix("data: [DONE]\n\n"))
        }
    }

    @Test func errorsTakeOpenAIsShape() async throws {
        try await withChatServer { server, fake in
            let none = try await server.send(.POST, "/v1/chat/completions", json: ["messages": [["role": "user", "content": "Hi"]]])
            #expect(none.status == .unauthorized)
            let noneError = try #require(none.object["error"] as? [String: Any])
            #expect(noneError["type"] as? String == "invalid_request_error")
            #expect(noneError["code"] as? String == "invalid_api_key")
            #expect(none.object["detail"] == nil)
            #expect(try await server.send(.GET, "/v1/models", token: "pk-nonsense").object["error"] != nil)

            let ann = try await server.user("ann@example.com")
            let invalid = try await server.send(.POST, "/v1/chat/completions", token: ann, json: ["messages": []])
            #expect(invalid.status == .badRequest)
            #expect((invalid.object["error"] as? [String: Any])?["type"] as? String == "invalid_request_error")
            let malformed = try await server.send(.POST, "/v1/chat/completions", token: ann, body: "{not json")
            #expect(malformed.status == .badRequest)

            let missing = try await server.send(.POST, "/v1/chat/completions", token: ann,
                                                json: ["messages": [["role": "user", "content": "Hi"]]],
                                                headers: [("X-Parley-Conversation", UUID().uuidString)])
            #expect(missing.status == .notFound)
            #expect((missing.object["error"] as? [String: Any])?["code"] as? String == "not_found")

            fake.then(.status(500, message: "boom"))
            let failed = try await server.send(.POST, "/v1/chat/completions", token: ann,
                                               json: ["stream": true, "messages": [["role": "user", "content": "Hi"]]])
            #expect(failed.status.code >= 500)
            #expect((failed.object["error"] as? [String: Any])?["type"] as? String == "server_error")

            // Other routes keep their own shape.
            let other = try await server.send(.GET, "/api/v1/users/me")
            #expect(other.detail == "Not authenticated")
        }
    }

    @Test func modelsAreListedInOpenAIsShape() async throws {
        try await withChatServer { server, _ in
            let ann = try await server.user("ann@example.com")
            let models = try await server.send(.GET, "/v1/models", token: ann)
            #expect(models.status == .ok)
            #expect(models.object["object"] as? String == "list")
            let data = try #require(models.object["data"] as? [[String: Any]])
            #expect(data.compactMap { $0["id"] as? String } == ["fake-model", "other-model"])
            #expect(data.allSatisfy { $0["object"] as? String == "model" && $0["owned_by"] as? String == "openai" })
        }
    }

    @Test func aConversationHeaderStoresTheTurn() async throws {
        try await withChatServer { server, fake in
            let ann = try await server.user("ann@example.com")
            let first = try await server.send(.POST, "/v1/chat/completions", token: ann,
                                              json: ["messages": [["role": "user", "content": "First question"]]],
                                              headers: [("X-Parley-Conversation", "new")])
            #expect(first.status == .ok, "\(first.text)")
            let id = try #require(first.headers.first(name: "X-Parley-Conversation"))
            // The client resends the history, as OpenAI's clients do: only the new part is stored.
            let second = try await server.send(.POST, "/v1/chat/completions", token: ann, json: ["messages": [
                ["role": "user", "content": "First question"], ["role": "assistant", "content": fake.reply],
                ["role": "user", "content": "Second question"],
            ]], headers: [("X-Parley-Conversation", id)])
            #expect(second.status == .ok)
            #expect(second.headers.first(name: "X-Parley-Conversation") == id)
            let messages = try await server.send(.GET, "/api/v1/conversations/\(id)/messages", token: ann)
            #expect(messages.array.compactMap { $0["content"] as? String } == ["First question", fake.reply, "Second question", fake.reply])
            let conversation = try await server.send(.GET, "/api/v1/conversations/\(id)", token: ann)
            #expect(conversation.object["title"] as? String == "First question")
            // The model saw the stored history once, then the new message.
            #expect(fake.received.last?.messages == [["role": "user", "content": "First question"], ["role": "assistant", "content": fake.reply],
                                                     ["role": "user", "content": "Second question"]])
        }
    }
}
