import Foundation
import Testing
import Vapor
@testable import Parley

@Suite struct ConversationModelTests {
    @Test func aConversationsModelIsUsedByItsChats() async throws {
        try await withChatServer { server, fake in
            let ann = try await server.user("ann@example.com")
            let created = try await server.send(.POST, "/api/v1/conversations/", token: ann, json: ["title": "T", "model": "other-model"])
            #expect(created.status == .created, "\(created.text)")
            #expect(created.object["model"] as? String == "other-model")
            let id = try #require(created.object["id"] as? String)

            let chat = try await server.send(.POST, "/api/chat", token: ann, json: ["conversation_id": id, "messages": [["role": "user", "content": "Hi"]]])
            #expect(chat.status == .ok)
            #expect(fake.received.last?.json["model"] as? String == "other-model")
            // A chat naming a model still wins.
            _ = try await server.send(.POST, "/api/chat", token: ann, json: [
                "conversation_id": id, "model": "fake-model", "messages": [["role": "user", "content": "Hi"]]])
            #expect(fake.received.last?.json["model"] as? String == "fake-model")

            // Back to LLM_MODEL with null.
            let cleared = try await server.send(.PATCH, "/api/v1/conversations/\(id)", token: ann, json: ["model": NSNull()])
            #expect(cleared.status == .ok)
            #expect(cleared.object["model"] is NSNull)
            #expect(cleared.object["title"] as? String == "T")
            let switched = try await server.send(.PATCH, "/api/v1/conversations/\(id)", token: ann, json: ["model": "other-model"])
            #expect(switched.object["model"] as? String == "other-model")
            let read = try await server.send(.GET, "/api/v1/conversations/\(id)", token: ann)
            #expect(read.object["model"] as? String == "other-model")
        }
    }

    @Test func aModelTheProviderDoesNotListIsRefused() async throws {
        try await withChatServer { server, _ in
            let ann = try await server.user("ann@example.com")
            let created = try await server.send(.POST, "/api/v1/conversations/", token: ann, json: ["model": "no-such-model"])
            #expect(created.status == .unprocessableEntity)
            #expect(created.firstIssue?.loc == ["body", "model"])
            let plain = try await server.send(.POST, "/api/v1/conversations/", token: ann, json: ["title": "Plain"])
            #expect(plain.object["model"] is NSNull)
            let id = try #require(plain.object["id"] as? String)
            let patched = try await server.send(.PATCH, "/api/v1/conversations/\(id)", token: ann, json: ["model": "no-such-model"])
            #expect(patched.status == .unprocessableEntity)
        }
    }
}
