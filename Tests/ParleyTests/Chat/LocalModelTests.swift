import Fluent
import Foundation
import Testing
import Vapor
@testable import Parley

/// End to end against the real llama.cpp server with SmolLM2 (scripts/local-model), which
/// scripts/test starts and names in `PARLEY_TEST_LOCAL_MODEL_URL`. The model's words vary, so
/// only the shape and non-empty content are checked.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["PARLEY_TEST_LOCAL_MODEL_URL"] != nil,
                "PARLEY_TEST_LOCAL_MODEL_URL is not set (scripts/test sets it after starting the local model)"))
struct LocalModelTests {
    private func withLocalModel(_ test: (TestServer) async throws -> Void) async throws {
        let url = try #require(ProcessInfo.processInfo.environment["PARLEY_TEST_LOCAL_MODEL_URL"])
        try await withServer({ settings in
            settings.llmProvider = .openai
            settings.llmBaseURL = url
            settings.llmContextTokens = 2048
            settings.llmTimeoutSeconds = 60
        }, test)
    }

    @Test func aNonStreamedAnswer() async throws {
        try await withLocalModel { server in
            let ann = try await server.user("ann@example.com")
            let response = try await server.send(.POST, "/api/chat", token: ann, json: [
                "messages": [["role": "user", "content": "Say hello in one short sentence."]], "options": ["max_tokens": 32],
            ])
            #expect(response.status == .ok, "\(response.text)")
            let text = try #require(response.object["response"] as? String)
            #expect(!text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
            #expect(response.object["model"] as? String == "smollm2")
            let usage = try #require(response.object["usage"] as? [String: Int])
            #expect(usage["prompt_tokens", default: 0] > 0)
            #expect(usage["completion_tokens", default: 0] > 0)
            #expect(try await server.count("messages") == 2)
        }
    }

    @Test func aStreamedAnswerAndTheModelList() async throws {
        try await withLocalModel { server in
            let ann = try await server.user("ann@example.com")
            let result = try await server.streamChat(token: ann, json: [
                "messages": [["role": "user", "content": "Name a colour."]], "options": ["max_tokens": 16], "stream": true,
            ])
            let events = result.events.map(eventJSON)
            let types = events.compactMap { $0["type"] as? String }
            #expect(types.first == "start")
            #expect(types.last == "done")
            #expect(types.contains("delta"))
            let done = try #require(events.last)
            let deltas = events.compactMap { $0["type"] as? String == "delta" ? $0["content"] as? String : nil }.joined()
            #expect(done["response"] as? String == deltas)
            #expect(!deltas.isEmpty)

            let models = try await server.send(.GET, "/api/v1/models", token: ann)
            #expect(models.array.compactMap { $0["id"] as? String }.contains("smollm2"))
        }
    }
}
