import Fluent
import Foundation
import Testing
import Vapor
@testable import Parley

@Suite struct ChatFailureTests {
    private let hello: [String: Any] = ["messages": [["role": "user", "content": "Hello"]]]

    private func expectNothingStored(_ server: TestServer) async throws {
        #expect(try await server.count("messages") == 0)
        #expect(try await server.count("conversations") == 0)
    }

    @Test func providerErrorStatusIs502NamingOnlyItsStatus() async throws {
        try await withChatServer { server, fake in
            fake.then(.status(500, message: "model exploded"))
            let ann = try await server.user("ann@example.com")
            let response = try await server.send(.POST, "/api/chat", token: ann, json: hello)
            #expect(response.status == .badGateway)
            #expect(response.detail == "The model provider answered 500")
            try await expectNothingStored(server)
        }
    }

    @Test func garbageIs502() async throws {
        for format in [FakeProvider.Format.openai, .ollama, .anthropic] {
            try await withChatServer(format) { server, fake in
                fake.then(.garbage)
                let ann = try await server.user("ann@example.com")
                let response = try await server.send(.POST, "/api/chat", token: ann, json: hello)
                #expect(response.status == .badGateway, "\(format)")
                try await expectNothingStored(server)
            }
        }
    }

    @Test func aStreamThatBreaksOffIs502() async throws {
        try await withChatServer { server, fake in
            fake.then(.dropAfter(2))
            let ann = try await server.user("ann@example.com")
            let response = try await server.send(.POST, "/api/chat", token: ann, json: hello)
            #expect(response.status == .badGateway, "\(response.text)")
            try await expectNothingStored(server)
        }
    }

    @Test func silenceIs504AndTheUpstreamRequestIsDropped() async throws {
        try await withChatServer(.openai, { $0.llmTimeoutSeconds = 1.5 }) { server, fake in
            fake.then(.hang, .stallAfter(1))
            let ann = try await server.user("ann@example.com")
            let beforeFirstByte = try await server.send(.POST, "/api/chat", token: ann, json: hello)
            #expect(beforeFirstByte.status == .gatewayTimeout)
            #expect(beforeFirstByte.detail?.contains("timed out") == true)
            let betweenChunks = try await server.send(.POST, "/api/chat", token: ann, json: hello)
            #expect(betweenChunks.status == .gatewayTimeout)
            try await expectNothingStored(server)
            // Had Parley kept the upstream request open, the resumed stream would finish normally.
            fake.resume()
            try await server.eventually("the stalled upstream stream is cancelled") { fake.cancelledStreams == 1 }
        }
    }

    @Test func unreachableProviderIs503() async throws {
        try await withChatServer(.openai, {
            $0.llmBaseURL = "http://127.0.0.1:9/v1"
            $0.llmConnectTimeoutSeconds = 0.5  // nothing listens: fail fast
        }) { server, _ in
            let ann = try await server.user("ann@example.com")
            let response = try await server.send(.POST, "/api/chat", token: ann, json: hello)
            #expect(response.status == .serviceUnavailable)
            #expect(response.detail == "Model provider unreachable")
            try await expectNothingStored(server)
        }
    }

    @Test func busyProviderIsRetriedHonouringRetryAfter() async throws {
        try await withChatServer { server, fake in
            fake.then(.status(503, message: "Loading model", retryAfter: "0"), .status(429, message: "slow down", retryAfter: "0"))
            let ann = try await server.user("ann@example.com")
            let response = try await server.send(.POST, "/api/chat", token: ann, json: hello)
            #expect(response.status == .ok)
            #expect(fake.received.count == 3)
            #expect(try await server.count("messages") == 2)
        }
    }

    @Test func retriesAreBounded() async throws {
        try await withChatServer { server, fake in
            fake.then(.status(429, message: "slow down", retryAfter: "0"), .status(429, message: "slow down", retryAfter: "0"),
                      .status(429, message: "still slow", retryAfter: "0"))
            let ann = try await server.user("ann@example.com")
            let response = try await server.send(.POST, "/api/chat", token: ann, json: hello)
            #expect(response.status == .badGateway)
            #expect(response.detail == "The model provider answered 429")
            #expect(fake.received.count == 3)
            try await expectNothingStored(server)
        }
    }

    @Test func failureOnAnExistingConversationStoresNothingEither() async throws {
        try await withChatServer { server, fake in
            let ann = try await server.user("ann@example.com")
            let first = try await server.send(.POST, "/api/chat", token: ann, json: hello)
            let id = try #require(first.object["conversation_id"] as? String)
            let before = try await server.conversation(UUID(uuidString: id))?.updatedAt
            fake.then(.status(400, message: "context too long"))
            let failed = try await server.send(.POST, "/api/chat", token: ann, json: ["conversation_id": id, "messages": [["role": "user", "content": "Again"]]])
            #expect(failed.status == .badGateway)
            #expect(try await server.count("messages") == 2)
            #expect(try await server.conversation(UUID(uuidString: id))?.updatedAt == before)
        }
    }
}
