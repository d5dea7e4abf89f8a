import Fluent
import Foundation
import Testing
import Vapor
@testable import Parley

@Suite struct IdempotencyTests {
    @Test func aRetryReturnsTheFirstResultAndStoresNothingTwice() async throws {
        try await withChatServer { server, fake in
            let ann = try await server.user("ann@example.com")
            let body: [String: Any] = ["messages": [["role": "user", "content": "Once only"]]]
            let key = [("Idempotency-Key", "retry-123")]
            let first = try await server.send(.POST, "/api/chat", token: ann, json: body, headers: key)
            let again = try await server.send(.POST, "/api/chat", token: ann, json: body, headers: key)
            #expect(first.status == .ok)
            #expect(again.status == .ok)
            #expect(again.object["message_id"] as? String == first.object["message_id"] as? String)
            #expect(again.object["response"] as? String == first.object["response"] as? String)
            #expect(fake.received.count == 1)
            #expect(try await server.count("messages") == 2)

            let different = try await server.send(.POST, "/api/chat", token: ann, json: ["messages": [["role": "user", "content": "Other"]]], headers: key)
            #expect(different.status == .conflict)
            #expect(different.detail?.isEmpty == false)
            #expect(fake.received.count == 1)
        }
    }

    @Test func keysArePerUser() async throws {
        try await withChatServer { server, fake in
            let ann = try await server.user("ann@example.com")
            let bob = try await server.user("bob@example.com")
            let key = [("Idempotency-Key", "shared-key")]
            let a = try await server.send(.POST, "/api/chat", token: ann, json: ["messages": [["role": "user", "content": "Same"]]], headers: key)
            let b = try await server.send(.POST, "/api/chat", token: bob, json: ["messages": [["role": "user", "content": "Same"]]], headers: key)
            #expect(a.status == .ok)
            #expect(b.status == .ok)
            #expect(a.object["message_id"] as? String != b.object["message_id"] as? String)
            #expect(fake.received.count == 2)
        }
    }

    @Test func aFailedRequestCanBeRetriedWithItsKey() async throws {
        try await withChatServer { server, fake in
            fake.then(.status(500, message: "boom"))
            let ann = try await server.user("ann@example.com")
            let body: [String: Any] = ["messages": [["role": "user", "content": "Try again"]]]
            let key = [("Idempotency-Key", "after-failure")]
            #expect(try await server.send(.POST, "/api/chat", token: ann, json: body, headers: key).status == .badGateway)
            #expect(try await server.send(.POST, "/api/chat", token: ann, json: body, headers: key).status == .ok)
            #expect(try await server.count("messages") == 2)
        }
    }

    @Test func aStreamedRetryReplaysTheStoredReply() async throws {
        try await withChatServer { server, fake in
            let ann = try await server.user("ann@example.com")
            let body: [String: Any] = ["messages": [["role": "user", "content": "Stream me"]], "stream": true]
            let key = [("Idempotency-Key", "stream-key")]
            let first = try await server.streamChat(token: ann, json: body, headers: key)
            let again = try await server.streamChat(token: ann, json: body, headers: key)
            let firstDone = first.events.map(eventJSON).last
            let againEvents = again.events.map(eventJSON)
            #expect(againEvents.compactMap { $0["type"] as? String } == ["start", "delta", "done"])
            #expect(againEvents.last?["message_id"] as? String == firstDone?["message_id"] as? String)
            #expect(againEvents[1]["content"] as? String == fake.reply)
            #expect(fake.received.count == 1)
        }
    }
}
