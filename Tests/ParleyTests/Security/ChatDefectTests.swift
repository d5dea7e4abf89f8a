import Foundation
import SQLKit
import Testing
import Vapor
@testable import Parley

/// The chat defects a security review found, each shown failing before its fix.
@Suite struct ChatDefectTests {
    @Test func aRetryAfterAStreamCutShortReplaysItInsteadOfStoringTheTurnTwice() async throws {
        try await withChatServer { server, fake in
            fake.chunks = ["Once", " upon", " a", " time", " there", " was", " a", " server"]
            fake.chunkDelay = .milliseconds(150)
            let ann = try await server.user("ann@example.com")
            let body: [String: Any] = ["messages": [["role": "user", "content": "Tell me a story"]], "stream": true]
            let key = ("Idempotency-Key", "story-1")
            _ = try await server.streamChatAndLeave(token: ann, json: body, afterDeltas: 2, headers: [key])
            try await server.eventually("the partial turn is stored") { try await server.count("messages") == 2 }
            try await server.eventually("the key holds the partial turn") {
                try await server.send(.POST, "/api/chat", token: ann, json: body, headers: [key]).status == .ok
            }
            let retry = try await server.streamChat(token: ann, json: body, headers: [key])
            let done = try #require(retry.events.map(eventJSON).last)
            #expect(done["type"] as? String == "done")
            let stored = try await server.storedMessages()
            #expect(stored.count == 2)
            #expect(done["response"] as? String == stored.last?.content)
            #expect(fake.received.count == 1)
        }
    }

    @Test func aKeyRacedWithTwoBodiesCallsTheProviderOnceAndTheLoserGets409() async throws {
        try await withChatServer { server, fake in
            fake.then(.stallAfter(1))
            let ann = try await server.user("ann@example.com")
            let key = [("Idempotency-Key", "raced")]
            async let first = server.send(.POST, "/api/chat", token: ann, json: ["messages": [["role": "user", "content": "One"]]], headers: key)
            _ = try await server.streamingReply(ann) // the first holds the key and its reply is being written
            let second = try await server.send(.POST, "/api/chat", token: ann, json: ["messages": [["role": "user", "content": "Two"]]], headers: key)
            fake.resume()
            #expect(try await [first.status, second.status] == [.ok, .conflict])
            #expect(fake.received.count == 1)
            #expect(try await server.count("messages") == 2)
        }
    }

    @Test func aKeyRacedWithOneBodyCallsTheProviderOnceAndBothGetTheReply() async throws {
        try await withChatServer { server, fake in
            fake.then(.stallAfter(1))
            let ann = try await server.user("ann@example.com")
            let key = [("Idempotency-Key", "raced-stream")]
            async let first = server.streamChat(token: ann, json: ["messages": [["role": "user", "content": "Same"]], "stream": true], headers: key)
            async let second = server.streamChat(token: ann, json: ["messages": [["role": "user", "content": "Same"]], "stream": true], headers: key)
            _ = try await server.streamingReply(ann)
            fake.resume()
            let both = try await [first, second]
            #expect(both.map(\.status.code) == [200, 200])
            let replies = both.map { $0.events.map(eventJSON).last ?? [:] }
            #expect(replies.map { $0["type"] as? String } == ["done", "done"])
            #expect(replies[0]["message_id"] as? String == replies[1]["message_id"] as? String)
            #expect(replies.allSatisfy { $0["response"] as? String == fake.reply })
            #expect(fake.received.count == 1)
            #expect(try await server.count("messages") == 2)
        }
    }

    @Test func expiredKeysAreDeleted() async throws {
        try await withChatServer { server, _ in
            let ann = try await server.user("ann@example.com")
            let body: [String: Any] = ["messages": [["role": "user", "content": "Hi"]]]
            _ = try await server.send(.POST, "/api/chat", token: ann, json: body, headers: [("Idempotency-Key", "old")])
            _ = try await server.send(.POST, "/api/chat", token: ann, json: body, headers: [("Idempotency-Key", "new")])
            try await server.sql.update(IdempotencyStore.table)
                .set(IdempotencyStore.Column.createdAt, to: Date().addingTimeInterval(-IdempotencyStore.lifetime - 60))
                .where(IdempotencyStore.Column.key, .equal, "old").run()
            #expect(try await IdempotencyStore.deleteExpired(on: server.sql) == 1)
            #expect(try await server.count(IdempotencyStore.table) == 1)
        }
    }

    @Test func aRenameWhileTheModelAnswersIsKept() async throws {
        try await withChatServer { server, fake in
            fake.then(.stallAfter(1))
            let ann = try await server.user("ann@example.com")
            let created = try await server.send(.POST, "/api/v1/conversations/", token: ann, json: [:] as [String: String])
            let id = try #require(created.object["id"] as? String)
            async let chat = server.send(.POST, "/api/chat", token: ann,
                                         json: ["conversation_id": id, "messages": [["role": "user", "content": "Plan my trip to Rome"]]])
            _ = try await server.streamingReply(ann) // the model is answering, and holds there
            let rename = try await server.send(.PATCH, "/api/v1/conversations/\(id)", token: ann, json: ["title": "Holidays"])
            fake.resume()
            #expect(rename.status == .ok)
            #expect(try await chat.status == .ok)
            #expect(try await server.conversation(UUID(uuidString: id))?.title == "Holidays")
        }
    }

    /// A page holds the `limit` items asked for however long they are: past
    /// `MessageStore.pageByteBudget` it is read and streamed in pieces rather than cut short.
    @Test func aPageOfLongMessagesHoldsEveryItemAsked() async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            let created = try await server.send(.POST, "/api/v1/conversations/", token: ann, json: ["title": "big"])
            let id = try #require(UUID(uuidString: created.object["id"] as? String ?? ""))
            for position in 0..<60 {
                let big = String(position % 10) + String(repeating: "x", count: 99_999)
                try await server.insertMessage(conversationID: id, role: .user, content: big, position: position)
            }
            let path = "/api/v1/conversations/\(id.uuidString.lowercased())/messages"
            let page = try await server.send(.GET, path, token: ann)
            #expect(page.status == .ok)
            #expect(page.headers.first(name: "X-Total-Count") == "60")
            #expect(page.array.count == 60)
            let leading: [String] = page.array.map { message in String((message["content"] as? String)?.prefix(1) ?? "") }
            let expected: [String] = (0..<60).map { String($0 % 10) }
            #expect(leading == expected)
            #expect(page.headers.first(name: "Content-Length") == nil, "streamed, not assembled")
            let part = try await server.send(.GET, path + "?skip=5&limit=50", token: ann)
            #expect(part.array.count == 50 && part.headers.first(name: "X-Total-Count") == "60")
            #expect((part.array.first?["content"] as? String)?.first == "5")
            let short = try await server.send(.GET, path + "?limit=3", token: ann)
            #expect(short.array.count == 3 && short.headers.first(name: "Content-Length") != nil)
        }
    }
}
