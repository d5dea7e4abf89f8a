import Fluent
import Foundation
import Testing
@testable import Parley

/// What a provider says when it fails goes to the log, keys redacted; users get Parley's words and
/// the provider's status. Redirects are not followed, so the API key goes nowhere else.
@Suite struct ProviderErrorTextTests {
    private let hello: [String: Any] = ["messages": [["role": "user", "content": "Hello"]]]
    private let apiKey = "sk-proj-abcdefghijklmnop1234"

    @Test func anErrorQuotingTheKeyReachesOnlyTheLogAndRedacted() async throws {
        try await withChatServer(.openai, { $0.llmAPIKey = apiKey }) { server, fake in
            let log = LogCapture()
            server.app.logger = log.logger
            fake.then(.status(401, message: "Incorrect API key provided: sk-proj-****************1234. You can find your API key at https://platform.openai.com/account/api-keys."))
            let ann = try await server.user("ann@example.com")
            let response = try await server.send(.POST, "/api/chat", token: ann, json: hello)
            #expect(response.status == .badGateway)
            #expect(response.detail == "The model provider answered 401")
            #expect(!response.text.contains("sk-") && !response.text.contains("1234"))

            let logged = log.messages.joined(separator: "\n")
            #expect(logged.contains("Incorrect API key provided: [redacted]"), "\(logged)")
            #expect(!logged.contains("sk-proj") && !logged.contains("1234"), "\(logged)")
            #expect(try await server.count("messages") == 0)
        }
    }

    @Test func anOverloadedAnthropicAnswersOnlyItsStatus() async throws {
        try await withChatServer(.anthropic) { server, fake in
            fake.then(.status(529, message: "Overloaded: internal detail 42"))
            let ann = try await server.user("ann@example.com")
            let response = try await server.send(.POST, "/api/chat", token: ann, json: hello)
            #expect(response.status == .badGateway)
            #expect(response.detail == "The model provider answered 529")
        }
    }

    @Test func aRedirectIsNotFollowedAndIs502() async throws {
        try await withChatServer(.openai, { $0.llmAPIKey = apiKey }) { server, fake in
            fake.then(.redirect)
            let ann = try await server.user("ann@example.com")
            let response = try await server.send(.POST, "/api/chat", token: ann, json: hello)
            #expect(response.status == .badGateway, "\(response.text)")
            #expect(response.detail == "The model provider answered 307, a redirect, which Parley does not follow")
            #expect(fake.received.map(\.path) == ["/v1/chat/completions"])
            #expect(try await server.count("messages") == 0)
        }
    }

    @Test func redactionKeepsOrdinaryWords() {
        let text = "Incorrect API key provided: sk-proj-****1234. Key abcdefgh-rest and 1234 stay? token xyzw"
        #expect(ProviderErrorMessage.redacted(text, secrets: ["abcdefghijklmnop1234"]) ==
            "Incorrect API key provided: [redacted] Key [redacted] and [redacted] stay? token xyzw")
    }
}
