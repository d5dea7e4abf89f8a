import Fluent
import Foundation
import Testing
import Vapor
@testable import Parley

@Suite struct ChatTests {
    @Test func aNewConversationIsCreatedAndTheTurnStored() async throws {
        try await withChatServer { server, fake in
            let ann = try await server.user("ann@example.com")
            let response = try await server.send(.POST, "/api/chat", token: ann, json: ["messages": [["role": "user", "content": "Hello there!"]]])
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.object["response"] as? String == "Hello! How can I help?")
            #expect(response.object["model"] as? String == "fake-model")
            let usage = try #require(response.object["usage"] as? [String: Int])
            #expect(usage == ["prompt_tokens": FakeProvider.promptTokens, "completion_tokens": 4])
            let messageID = try #require(response.object["message_id"] as? String)
            let conversationID = try #require(response.object["conversation_id"] as? String)

            let conversation = try #require(try await server.conversation(UUID(uuidString: conversationID)))
            #expect(conversation.title == "Hello there!")
            let stored = try await server.storedMessages()
            #expect(stored.map(\.role) == [.user, .assistant])
            #expect(stored.map(\.content) == ["Hello there!", "Hello! How can I help?"])
            #expect(stored.last?.id.uuidString.lowercased() == messageID)
            #expect(stored.last?.isComplete == true)
            #expect(stored.last?.completionTokens == 4)

            let sent = try #require(fake.received.first)
            #expect(sent.path == "/v1/chat/completions")
            #expect(sent.json["model"] as? String == "fake-model")
            #expect(sent.json["stream"] as? Bool == true)
            #expect((sent.json["stream_options"] as? [String: Bool])?["include_usage"] == true)
            #expect(sent.json["max_tokens"] as? Int == ChatService.defaultMaxTokens)
            #expect(sent.messages == [["role": "user", "content": "Hello there!"]])
        }
    }

    @Test func theSeedRequestOnAnExistingConversation() async throws {
        try await withChatServer { server, _ in
            let ann = try await server.user("ann@example.com")
            let created = try await server.send(.POST, "/api/v1/conversations/", token: ann, json: ["title": "Kept title"])
            let id = try #require(created.object["id"] as? String)
            let chat = try await server.send(.POST, "/api/chat", token: ann, json: [
                "conversation_id": id, "messages": [["role": "user", "content": "Hello!"]],
            ])
            #expect(chat.status == .ok)
            #expect(chat.object["conversation_id"] as? String == id)
            let listed = try await server.send(.GET, "/api/v1/conversations/\(id)/messages", token: ann)
            #expect(listed.array.compactMap { $0["content"] as? String } == ["Hello!", "Hello! How can I help?"])
            #expect(listed.array.last?["id"] as? String == chat.object["message_id"] as? String)
            let conversation = try await server.send(.GET, "/api/v1/conversations/\(id)", token: ann)
            #expect(conversation.object["title"] as? String == "Kept title")
            #expect((conversation.object["updated_at"] as? String ?? "") > (created.object["updated_at"] as? String ?? ""))
        }
    }

    @Test func theModelSeesSystemPromptThenHistoryThenNewMessages() async throws {
        try await withChatServer(.openai, { $0.llmSystemPrompt = "Be brief." }) { server, fake in
            let ann = try await server.user("ann@example.com")
            let first = try await server.send(.POST, "/api/chat", token: ann, json: ["messages": [["role": "user", "content": "One"]]])
            let id = try #require(first.object["conversation_id"] as? String)
            let second = try await server.send(.POST, "/api/chat", token: ann, json: [
                "conversation_id": id,
                "messages": [["role": "system", "content": "Answer in French."], ["role": "user", "content": "Two"]],
            ])
            #expect(second.status == .ok)
            #expect(fake.received.last?.messages == [
                ["role": "system", "content": "Be brief."],
                ["role": "user", "content": "One"],
                ["role": "assistant", "content": "Hello! How can I help?"],
                ["role": "system", "content": "Answer in French."],
                ["role": "user", "content": "Two"],
            ])
            let stored = try await server.storedMessages()
            #expect(stored.map(\.role) == [.user, .assistant, .system, .user, .assistant])
            #expect(stored.map(\.position) == [0, 1, 2, 3, 4])
        }
    }

    @Test func oldestHistoryIsDroppedFirstAndNewMessagesNever() async throws {
        try await withChatServer(.openai, { $0.llmContextTokens = 400 }) { server, fake in
            let ann = try await server.user("ann@example.com")
            let created = try await server.send(.POST, "/api/v1/conversations/", token: ann)
            let id = try #require(UUID(uuidString: created.object["id"] as? String ?? ""))
            // Each stored message costs about 4 + 300/3 = 104 estimated tokens; the prompt budget is 200.
            for position in 0..<4 {
                let text = "m\(position) " + String(repeating: "x", count: 297)
                try await server.insertMessage(conversationID: id, role: position.isMultiple(of: 2) ? .user : .assistant, content: text, position: position)
            }
            let ask = try await server.send(.POST, "/api/chat", token: ann, json: [
                "conversation_id": id.uuidString, "messages": [["role": "user", "content": "short"]], "options": ["max_tokens": 200],
            ])
            #expect(ask.status == .ok)
            let sent = try #require(fake.received.last)
            #expect(sent.messages.map { String($0["content"]?.prefix(2) ?? "") } == ["m3", "sh"])
            #expect(sent.json["max_tokens"] as? Int == 200)

            // A new message over the whole budget is still sent, alone.
            let huge = String(repeating: "y", count: 3000)
            let big = try await server.send(.POST, "/api/chat", token: ann, json: [
                "conversation_id": id.uuidString, "messages": [["role": "user", "content": huge]],
            ])
            #expect(big.status == .ok)
            #expect(fake.received.last?.messages == [["role": "user", "content": huge]])
        }
    }

    @Test func historyIsReadAcrossPagesWhenItFits() async throws {
        try await withChatServer { server, fake in
            let ann = try await server.user("ann@example.com")
            let created = try await server.send(.POST, "/api/v1/conversations/", token: ann)
            let id = try #require(UUID(uuidString: created.object["id"] as? String ?? ""))
            for position in 0..<150 {
                try await server.insertMessage(conversationID: id, role: position.isMultiple(of: 2) ? .user : .assistant,
                                               content: "m\(position)", position: position)
            }
            let ask = try await server.send(.POST, "/api/chat", token: ann, json: [
                "conversation_id": id.uuidString, "messages": [["role": "user", "content": "next"]],
            ])
            #expect(ask.status == .ok)
            let sent = try #require(fake.received.last).messages.compactMap { $0["content"] }
            #expect(sent == (0..<150).map { "m\($0)" } + ["next"])
        }
    }

    @Test func modelAndOptionsArePassedOnAndMaxTokensIsBounded() async throws {
        try await withChatServer { server, fake in
            let ann = try await server.user("ann@example.com")
            let response = try await server.send(.POST, "/api/chat", token: ann, json: [
                "messages": [["role": "user", "content": "Hi"]], "model": "other-model",
                "options": ["temperature": 0.25, "max_tokens": 1_000_000],
            ])
            #expect(response.status == .ok)
            let sent = try #require(fake.received.last)
            #expect(sent.json["model"] as? String == "other-model")
            #expect(sent.json["temperature"] as? Double == 0.25)
            #expect(sent.json["max_tokens"] as? Int == 4096 / 2)
        }
    }

    @Test(arguments: [
        (#"{"messages": []}"#, ["body", "messages"]),
        (#"{"messages": [{"role": "assistant", "content": "Hi"}]}"#, ["body", "messages"]),
        (#"{"messages": [{"role": "robot", "content": "Hi"}]}"#, ["body", "messages", "0", "role"]),
        (#"{"messages": [{"role": "user", "content": ""}]}"#, ["body", "messages", "0", "content"]),
        (#"{"messages": [{"role": "user", "content": "   "}]}"#, ["body", "messages", "0", "content"]),
        (#"{"messages": [{"role": "user", "content": 5}]}"#, ["body", "messages", "0", "content"]),
        (#"{"messages": [{"role": "user"}]}"#, ["body", "messages", "0", "content"]),
        (#"{"conversation_id": "nope", "messages": [{"role": "user", "content": "Hi"}]}"#, ["body", "conversation_id"]),
        (#"{"messages": [{"role": "user", "content": "Hi"}], "options": {"temperature": 9}}"#, ["body", "options", "temperature"]),
        (#"{"messages": [{"role": "user", "content": "Hi"}], "options": {"max_tokens": 0}}"#, ["body", "options", "max_tokens"]),
        (#"{"messages": [{"role": "user", "content": "Hi"}], "stream": "yes"}"#, ["body", "stream"]),
        (#"{}"#, ["body", "messages"]),
    ])
    func badChatBodiesAre422AndReachNoModel(body: String, loc: [String]) async throws {
        try await withChatServer { server, fake in
            let ann = try await server.user("ann@example.com")
            let response = try await server.send(.POST, "/api/chat", token: ann, body: body, headers: [("Content-Type", "application/json")])
            #expect(response.status == .unprocessableEntity, "\(response.text)")
            #expect(response.firstIssue?.loc == loc, "\(response.text)")
            #expect(fake.received.isEmpty)
            #expect(try await server.count("messages") == 0)
            #expect(try await server.count("conversations") == 0)
        }
    }

    @Test func contentLimitCountsCodePoints() async throws {
        try await withChatServer { server, _ in
            let ann = try await server.user("ann@example.com")
            let atLimit = String(repeating: "ü", count: 100_000)
            let ok = try await server.send(.POST, "/api/chat", token: ann, json: ["messages": [["role": "user", "content": atLimit]]])
            #expect(ok.status == .ok)
            let over = try await server.send(.POST, "/api/chat", token: ann, json: ["messages": [["role": "user", "content": atLimit + "ü"]]])
            #expect(over.status == .unprocessableEntity)
            #expect(over.firstIssue?.type == "string_too_long")
        }
    }

    @Test func anotherUsersConversationIs404AndReachesNoModel() async throws {
        try await withChatServer { server, fake in
            let ann = try await server.user("ann@example.com")
            let bob = try await server.user("bob@example.com")
            let created = try await server.send(.POST, "/api/v1/conversations/", token: ann)
            let id = try #require(created.object["id"] as? String)
            for target in [id, UUID().uuidString] {
                for stream in [false, true] {
                    let response = try await server.send(.POST, "/api/chat", token: bob, json: [
                        "conversation_id": target, "messages": [["role": "user", "content": "Mine now"]], "stream": stream,
                    ])
                    #expect(response.status == .notFound)
                    #expect(response.text == #"{"detail":"Resource not found"}"#)
                }
            }
            #expect(fake.received.isEmpty)
            #expect(try await server.count("messages") == 0)
        }
    }

    @Test func chatNeedsAToken() async throws {
        try await withChatServer { server, _ in
            let response = try await server.send(.POST, "/api/chat", json: ["messages": [["role": "user", "content": "Hi"]]])
            #expect(response.status == .unauthorized)
            #expect(response.headers.first(name: "WWW-Authenticate") == "Bearer")
        }
    }

    @Test func titlesComeFromTheFirstUserMessage() async throws {
        try await withChatServer { server, _ in
            let ann = try await server.user("ann@example.com")
            let response = try await server.send(.POST, "/api/chat", token: ann, json: ["messages": [
                ["role": "system", "content": "You plan trips."],
                ["role": "user", "content": "<think>the user wants</think>  Plan a   trip to Lisbon in May with two kids, a dog and a very tight budget"],
            ]])
            let id = try #require(UUID(uuidString: response.object["conversation_id"] as? String ?? ""))
            let conversation = try #require(try await server.conversation(id))
            #expect(conversation.title == "Plan a trip to Lisbon in May with two kids, a dog and a very")
        }
    }

    @Test func anUntitledConversationIsTitledByItsFirstUserMessage() async throws {
        try await withChatServer { server, _ in
            let ann = try await server.user("ann@example.com")
            let created = try await server.send(.POST, "/api/v1/conversations/", token: ann)
            let id = try #require(created.object["id"] as? String)
            _ = try await server.send(.POST, "/api/chat", token: ann, json: ["conversation_id": id, "messages": [["role": "user", "content": "First words"]]])
            _ = try await server.send(.PATCH, "/api/v1/conversations/\(id)", token: ann, json: ["title": "New Conversation"])
            _ = try await server.send(.POST, "/api/chat", token: ann, json: ["conversation_id": id, "messages": [["role": "user", "content": "Later words"]]])
            let conversation = try await server.send(.GET, "/api/v1/conversations/\(id)", token: ann)
            #expect(conversation.object["title"] as? String == "First words")
        }
    }

    @Test func modelsAreListed() async throws {
        try await withChatServer { server, _ in
            let ann = try await server.user("ann@example.com")
            let models = try await server.send(.GET, "/api/v1/models", token: ann)
            #expect(models.status == .ok)
            #expect(models.array.compactMap { $0["id"] as? String } == ["fake-model", "other-model"])
            #expect(models.array.allSatisfy { $0["provider"] as? String == "openai" })
        }
    }

    @Test func chatsArePerUserRateLimited() async throws {
        try await withChatServer(.openai, { $0.chatRateLimit = 2 }) { server, fake in
            let ann = try await server.user("ann@example.com")
            for _ in 0..<2 {
                #expect(try await server.send(.POST, "/api/chat", token: ann, json: ["messages": [["role": "user", "content": "Hi"]]]).status == .ok)
            }
            let limited = try await server.send(.POST, "/api/chat", token: ann, json: ["messages": [["role": "user", "content": "Hi"]]])
            #expect(limited.status == .tooManyRequests)
            #expect(Int(limited.headers.first(name: "Retry-After") ?? "") ?? 0 > 0)
            #expect(fake.received.count == 2)
            let bob = try await server.user("bob@example.com")
            #expect(try await server.send(.POST, "/api/chat", token: bob, json: ["messages": [["role": "user", "content": "Hi"]]]).status == .ok)
        }
    }

    @Test func twoChatsOnOneConversationAtOnceBothStoreInOrder() async throws {
        try await withChatServer { server, fake in
            fake.chunkDelay = .milliseconds(30)
            let ann = try await server.user("ann@example.com")
            let created = try await server.send(.POST, "/api/v1/conversations/", token: ann)
            let id = try #require(created.object["id"] as? String)
            async let first = server.send(.POST, "/api/chat", token: ann, json: ["conversation_id": id, "messages": [["role": "user", "content": "A"]]])
            async let second = server.send(.POST, "/api/chat", token: ann, json: ["conversation_id": id, "messages": [["role": "user", "content": "B"]]])
            let (a, b) = try await (first, second)
            #expect(a.status == .ok)
            #expect(b.status == .ok)
            let stored = try await server.storedMessages()
            #expect(stored.count == 4)
            #expect(stored.map(\.position) == [0, 1, 2, 3])
            // Each turn is stored whole: a user message directly followed by its reply.
            #expect(stored.map(\.role) == [.user, .assistant, .user, .assistant])
            #expect(Set([stored[0].content, stored[2].content]) == ["A", "B"])
        }
    }
}
