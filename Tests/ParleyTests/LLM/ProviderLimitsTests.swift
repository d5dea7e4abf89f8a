import Fluent
import Foundation
import Testing
@testable import Parley

/// A provider cannot make one request hold memory or time without end: a line, a reply and a
/// turn are bounded, and a breach is a 502 with nothing stored.
@Suite struct ProviderLimitsTests {
    private let hello: [String: Any] = ["messages": [["role": "user", "content": "Hello"]]]

    private func expectNothingStored(_ server: TestServer) async throws {
        #expect(try await server.count("messages") == 0)
        #expect(try await server.count("conversations") == 0)
    }

    /// A chat whose reply breaks a limit: 502 with `detail`, and nothing stored.
    private func expectCutOff(
        _ format: FakeProvider.Format, _ adjust: (inout Settings) -> Void = { _ in },
        provider: (FakeProvider) -> Void, detail: String
    ) async throws {
        try await withChatServer(format, adjust) { server, fake in
            provider(fake)
            let ann = try await server.user("ann@example.com")
            let response = try await server.send(.POST, "/api/chat", token: ann, json: hello)
            #expect(response.status == .badGateway, "\(response.text)")
            #expect(response.detail == "The model provider's reply was cut off: " + detail)
            try await expectNothingStored(server)
        }
    }

    @Test(arguments: [FakeProvider.Format.openai, .ollama, .anthropic])
    func aLineThatNeverEndsIs502(format: FakeProvider.Format) async throws {
        try await expectCutOff(format, provider: { $0.then(.endlessLine(bytes: 2 << 20)) },
                               detail: "a line of its stream was longer than 1 MiB")
    }

    @Test func aReplyLongerThanTheLimitIs502() async throws {
        try await expectCutOff(.openai, { $0.llmMaxReplyBytes = 1024 }, provider: { $0.chunks = Array(repeating: String(repeating: "y", count: 300), count: 4) },
                               detail: "the reply was longer than 1024 bytes (LLM_MAX_REPLY_BYTES)")
    }

    @Test func aStreamedReplyLongerThanTheLimitEndsWithAnErrorEvent() async throws {
        try await withChatServer(.openai, { $0.llmMaxReplyBytes = 1024 }) { server, fake in
            fake.chunks = Array(repeating: String(repeating: "y", count: 300), count: 4)
            let ann = try await server.user("ann@example.com")
            let stream = try await server.streamChat(token: ann, json: hello.merging(["stream": true]) { $1 })
            #expect(eventJSON(stream.events.last ?? "")["type"] as? String == "error")
            try await expectNothingStored(server)
        }
    }

    @Test func aTurnLongerThanTheLimitIs502EvenWhileTheProviderTalks() async throws {
        try await withChatServer(.openai, { $0.llmMaxTurnSeconds = 0.5 }) { server, fake in
            fake.chunks = Array(repeating: "tick ", count: 20)
            fake.chunkDelay = .milliseconds(100)
            let ann = try await server.user("ann@example.com")
            let response = try await server.send(.POST, "/api/chat", token: ann, json: hello)
            #expect(response.status == .badGateway, "\(response.text)")
            #expect(response.detail == "The model provider's reply was cut off: it took longer than 0.5 s (LLM_MAX_TURN_SECONDS)")
            try await expectNothingStored(server)
            try await server.eventually("the upstream request is dropped") { fake.cancelledStreams == 1 }
        }
    }

    @Test func theLimitsAreSettings() throws {
        let defaults = try Settings.loadForTests([:])
        #expect(defaults.llmMaxReplyBytes == 1 << 20)
        #expect(defaults.llmMaxTurnSeconds == 600)
        #expect(defaults.llmMaxConnections == 1000)
        let set = try Settings.loadForTests(["LLM_MAX_REPLY_BYTES": "4096", "LLM_MAX_TURN_SECONDS": "30", "LLM_MAX_CONNECTIONS": "16"])
        #expect(set.llmMaxReplyBytes == 4096)
        #expect(set.llmMaxTurnSeconds == 30)
        #expect(set.llmMaxConnections == 16)
        for variable in ["LLM_MAX_REPLY_BYTES", "LLM_MAX_TURN_SECONDS", "LLM_MAX_CONNECTIONS"] {
            let error = #expect(throws: SettingsError.self) { try Settings.loadForTests([variable: "0"]) }
            #expect(error?.variable == variable)
        }
    }
}
