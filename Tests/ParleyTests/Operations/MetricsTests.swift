import Foundation
import Testing
import Vapor
@testable import Parley

@Suite struct MetricsTests {
    @Test func chatsAndTokensAreCounted() async throws {
        try await withChatServer { server, fake in
            let ann = try await server.user("ann@example.com")
            _ = try await server.send(.POST, "/api/chat", token: ann, json: ["messages": [["role": "user", "content": "Hi"]]])
            fake.then(.status(500, message: "no"))
            _ = try await server.send(.POST, "/api/chat", token: ann, json: ["messages": [["role": "user", "content": "Hi"]]])
            let metrics = try await server.send(.GET, "/metrics")
            #expect(metrics.status == .ok)
            #expect(metrics.headers.first(name: "Content-Type")?.hasPrefix("text/plain") == true)
            #expect(metrics.text.contains(#"parley_chat_requests_total{outcome="ok"} 1"#))
            #expect(metrics.text.contains(#"parley_chat_requests_total{outcome="provider_error"} 1"#))
            #expect(metrics.text.contains(#"parley_tokens_total{kind="completion"} 4"#))
            #expect(metrics.text.contains("parley_provider_first_token_seconds_count 1"))
        }
    }
}
