import Fluent
import Foundation
import Testing
import Vapor
@testable import Parley

@Suite struct ChatStreamTests {
    @Test func eventsFollowTheContractAndTheTurnIsStored() async throws {
        try await withChatServer { server, fake in
            let ann = try await server.user("ann@example.com")
            let result = try await server.streamChat(token: ann, json: ["messages": [["role": "user", "content": "Hi"]], "stream": true])
            #expect(result.status == .ok)
            #expect(result.headers.first(name: "Content-Type") == "text/event-stream")
            #expect(result.headers.first(name: "Cache-Control") == "no-cache")
            #expect(result.headers.first(name: "X-Accel-Buffering") == "no")
            // Each event: its id line, then one data line.
            #expect(result.events.allSatisfy { $0.split(separator: "\n").count == 2 && $0.split(separator: "\n")[1].hasPrefix("data: ") })
            #expect(result.events.compactMap(eventID) == Array(1...6))
            let events = result.events.map(eventJSON)
            #expect(events.compactMap { $0["type"] as? String } == ["start", "delta", "delta", "delta", "delta", "done"])
            #expect(events.dropFirst().dropLast().compactMap { $0["content"] as? String } == fake.chunks)
            let start = events[0]
            let done = try #require(events.last)
            #expect(done["response"] as? String == fake.reply)
            #expect(done["message_id"] as? String == start["message_id"] as? String)
            #expect(done["conversation_id"] as? String == start["conversation_id"] as? String)
            #expect((done["usage"] as? [String: Int])?["completion_tokens"] == 4)

            let stored = try await server.storedMessages()
            #expect(stored.map(\.content) == ["Hi", fake.reply])
            #expect(stored.last?.id.uuidString.lowercased() == done["message_id"] as? String)
        }
    }

    @Test func aFailureAfterTheStartEndsWithAnErrorEventAndStoresNothing() async throws {
        try await withChatServer { server, fake in
            fake.then(.dropAfter(2))
            let ann = try await server.user("ann@example.com")
            let result = try await server.streamChat(token: ann, json: ["messages": [["role": "user", "content": "Hi"]], "stream": true])
            let events = result.events.map(eventJSON)
            #expect(events.compactMap { $0["type"] as? String } == ["start", "delta", "delta", "error"])
            #expect((events.last?["detail"] as? String)?.isEmpty == false)
            #expect(try await server.count("messages") == 0)
            #expect(try await server.count("conversations") == 0)
        }
    }

    @Test func aProviderErrorBeforeAnyTokenIsAnErrorEvent() async throws {
        try await withChatServer { server, fake in
            fake.then(.status(404, message: "no such model"))
            let ann = try await server.user("ann@example.com")
            let result = try await server.streamChat(token: ann, json: ["messages": [["role": "user", "content": "Hi"]], "stream": true])
            let events = result.events.map(eventJSON)
            #expect(events.compactMap { $0["type"] as? String } == ["start", "error"])
            #expect(events.last?["detail"] as? String == "The model provider answered 404")
            #expect(try await server.count("messages") == 0)
        }
    }

    @Test func aProviderThatFallsSilentAfterTheClientLeftFailsTheTurnAndStoresNothing() async throws {
        try await withChatServer(.openai, { $0.llmTimeoutSeconds = 1 }) { server, fake in
            fake.then(.stallAfter(2))
            let ann = try await server.user("ann@example.com")
            _ = try await server.streamChatAndLeave(
                token: ann, json: ["messages": [["role": "user", "content": "Hi"]], "stream": true], afterDeltas: 2)
            // The reply goes on without its client, until the provider's silence limit fails it.
            try await server.eventually("the failed turn is removed") { try await server.count("messages") == 0 }
            #expect(try await server.count("conversations") == 0)
            fake.resume()
        }
    }

    @Test func silenceIsFilledWithKeepAliveComments() async throws {
        try await withChatServer(.openai, { $0.sseKeepAliveSeconds = 1 }) { server, fake in
            fake.chunks = ["slow", " reply"]
            fake.chunkDelay = .milliseconds(1600)
            let ann = try await server.user("ann@example.com")
            let result = try await server.streamChat(token: ann, json: ["messages": [["role": "user", "content": "Hi"]], "stream": true])
            #expect(result.events.contains(": keep-alive"))
            #expect(result.events.map(eventJSON).compactMap { $0["type"] as? String } == ["start", "delta", "delta", "done"])
        }
    }
}
