import AsyncHTTPClient
import Foundation
import SQLKit
import NIOCore
import Testing
import Vapor
@testable import Parley

/// API.md's "Replies that outlive the connection", over HTTP against a real server and a fake
/// provider whose stream is held at a gate (`stallAfter`) until the test lets it go on.
@Suite struct ResumeTests {
    @Test func aReplyIsStoredAsSoonAsItsTurnIsAcceptedAndGrowsAsItComes() async throws {
        try await withChatServer { server, fake in
            fake.then(.stallAfter(2))
            let ann = try await server.user("ann@example.com")
            let chat = Task { try await server.streamChat(token: ann, json: ["messages": [["role": "user", "content": "Hi"]], "stream": true]) }
            let reply = try await server.streamingReply(ann)
            try await server.waitForSavedText("Hello!", token: ann, of: reply.conversationID)
            let listed = try await server.messages(ann, of: reply.conversationID)
            #expect(listed.map { $0["status"] as? String } == ["complete", "streaming"])
            #expect(listed.map { $0["role"] as? String } == ["user", "assistant"])
            fake.resume()
            let events = try await chat.value.events.map(eventJSON)
            #expect(events.last?["type"] as? String == "done")
            let stored = try await server.messages(ann, of: reply.conversationID)
            #expect(stored.last?["status"] as? String == "complete")
            #expect(stored.last?["content"] as? String == fake.reply)
        }
    }

    @Test func resumingAfterAnyEventGivesExactlyTheRestOfTheText() async throws {
        try await withChatServer { server, fake in
            let ann = try await server.user("ann@example.com")
            let original = try await server.streamChat(token: ann, json: ["messages": [["role": "user", "content": "Hi"]], "stream": true])
            let ids = original.events.compactMap(eventID)
            #expect(ids == Array(1...6), "every event carries its sequence number")
            let messageID = try #require(eventJSON(original.events[0])["message_id"] as? String)
            for after in 0...7 {
                let seen = original.events.filter { (eventID($0) ?? 0) <= after }.compactMap { eventJSON($0)["content"] as? String }.joined()
                let resumed = try await server.send(.GET, "/api/chat/\(messageID)/stream", token: ann, headers: [("Last-Event-ID", "\(after)")])
                #expect(resumed.status == .ok)
                let events = resumed.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
                #expect(events.compactMap(eventID).allSatisfy { $0 > after }, "after \(after): \(events)")
                let rest = events.compactMap { eventJSON($0)["content"] as? String }.joined()
                #expect(seen + rest == fake.reply, "after \(after)")
                let types = events.map(eventJSON).compactMap { $0["type"] as? String }
                #expect(types.filter { $0 == "done" }.count == (after < 6 ? 1 : 0))
                #expect(types.contains("start") == (after < 1))
            }
            // ?after= is the same as the header.
            let query = try await server.send(.GET, "/api/chat/\(messageID)/stream?after=3", token: ann)
            #expect(query.text.components(separatedBy: "\n\n").compactMap { eventJSON($0)["content"] as? String }.joined() == " How can I help?")
        }
    }

    @Test func aSecondClientFollowsTheSameReplyLive() async throws {
        try await withChatServer { server, fake in
            fake.then(.stallAfter(2))
            let ann = try await server.user("ann@example.com")
            let first = Task { try await server.streamChat(token: ann, json: ["messages": [["role": "user", "content": "Hi"]], "stream": true]) }
            let reply = try await server.streamingReply(ann)
            let second = Task { try await server.send(.GET, "/api/chat/\(reply.messageID)/stream", token: ann) }
            fake.resume()
            let original = try await first.value.events.map(eventJSON)
            let attached = try await second.value.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map(eventJSON)
            #expect(original.compactMap { $0["content"] as? String }.joined() == fake.reply)
            #expect(attached.compactMap { $0["content"] as? String }.joined() == fake.reply)
            #expect(attached.last?["type"] as? String == "done")
            #expect(attached.last?["message_id"] as? String == reply.messageID)
        }
    }

    @Test func aClientThatLeavesDoesNotStopTheReply() async throws {
        try await withChatServer { server, fake in
            fake.then(.stallAfter(2))
            let ann = try await server.user("ann@example.com")
            let events = try await server.streamChatAndLeave(
                token: ann, json: ["messages": [["role": "user", "content": "Tell me a story"]], "stream": true], afterDeltas: 2)
            let conversationID = try #require(eventJSON(events[0])["conversation_id"] as? String)
            fake.resume()
            try await server.eventually("the whole reply is stored") {
                try await server.messages(ann, of: conversationID).last?["status"] as? String == "complete"
            }
            #expect(try await server.messages(ann, of: conversationID).last?["content"] as? String == fake.reply)
            #expect(fake.cancelledStreams == 0)
        }
    }

    @Test func stopEndsTheReplyForEveryClientAndKeepsItsText() async throws {
        try await withChatServer { server, fake in
            fake.then(.stallAfter(2))
            let ann = try await server.user("ann@example.com")
            let chat = Task { try await server.streamChat(token: ann, json: ["messages": [["role": "user", "content": "Hi"]], "stream": true]) }
            let reply = try await server.streamingReply(ann)
            // Stop once the two pieces before the gate have arrived (their save shows it).
            try await server.waitForSavedText("Hello!", token: ann, of: reply.conversationID)
            let stop = try await server.send(.POST, "/api/chat/\(reply.messageID)/stop", token: ann)
            #expect(stop.status == .ok)
            #expect(stop.object["status"] as? String == "stopped")
            #expect(stop.object["content"] as? String == "Hello!")
            let events = try await chat.value.events.map(eventJSON)
            #expect(events.last?["type"] as? String == "stopped")
            #expect(events.last?["response"] as? String == "Hello!")
            // Let the held stream go on: its next write finds the request cancelled.
            fake.resume()
            try await server.eventually("the provider request is cancelled") { fake.cancelledStreams == 1 }
            // Stopping a reply that has ended answers its end.
            let again = try await server.send(.POST, "/api/chat/\(reply.messageID)/stop", token: ann)
            #expect(again.object["status"] as? String == "stopped")
            // A stopped reply replays with its end.
            let replay = try await server.send(.GET, "/api/chat/\(reply.messageID)/stream", token: ann)
            #expect(replay.text.components(separatedBy: "\n\n").map(eventJSON).compactMap { $0["type"] as? String } == ["start", "delta", "stopped"])
        }
    }

    @Test func stopBeforeTheFirstWordThenAFollowUpWorks() async throws {
        try await withChatServer { server, fake in
            fake.then(.stallAfter(0))
            let ann = try await server.user("ann@example.com")
            let chat = Task { try await server.streamChat(token: ann, json: ["messages": [["role": "user", "content": "Hi"]], "stream": true]) }
            let reply = try await server.streamingReply(ann)
            let stop = try await server.send(.POST, "/api/chat/\(reply.messageID)/stop", token: ann)
            #expect(stop.object["status"] as? String == "stopped")
            #expect(stop.object["content"] as? String == "")
            _ = try await chat.value
            let next = try await server.send(.POST, "/api/chat", token: ann, json: [
                "conversation_id": reply.conversationID, "messages": [["role": "user", "content": "Again"]]])
            #expect(next.status == .ok, "\(next.text)")
            // The empty reply is not sent to the provider (some refuse empty content).
            #expect(fake.received.last?.messages.map { $0["content"] ?? "" } == ["Hi", "Again"])
        }
    }

    @Test func anotherUsersReplyAndUserMessagesAreNotFound() async throws {
        try await withChatServer { server, _ in
            let ann = try await server.user("ann@example.com")
            let bob = try await server.user("bob@example.com")
            let done = try await server.send(.POST, "/api/chat", token: ann, json: ["messages": [["role": "user", "content": "Hi"]]])
            let messageID = try #require(done.object["message_id"] as? String)
            #expect(try await server.send(.GET, "/api/chat/\(messageID)/stream", token: bob).status == .notFound)
            #expect(try await server.send(.POST, "/api/chat/\(messageID)/stop", token: bob).status == .notFound)
            let conversationID = try #require(done.object["conversation_id"] as? String)
            let userMessage = try #require(try await server.messages(ann, of: conversationID).first?["id"] as? String)
            #expect(try await server.send(.GET, "/api/chat/\(userMessage)/stream", token: ann).status == .notFound)
            #expect(try await server.send(.GET, "/api/chat/not-a-uuid/stream", token: ann).status == .unprocessableEntity)
            let badID = try await server.send(.GET, "/api/chat/\(messageID)/stream", token: ann, headers: [("Last-Event-ID", "-1")])
            #expect(badID.status == .unprocessableEntity)
        }
    }

    @Test func anIdempotentRetryAttachesToTheRunningReplyInsteadOfConflicting() async throws {
        try await withChatServer { server, fake in
            fake.then(.stallAfter(2))
            let ann = try await server.user("ann@example.com")
            let first = Task { try await server.streamChat(token: ann, json: ["messages": [["role": "user", "content": "Hi"]], "stream": true], headers: [("Idempotency-Key", "k1")]) }
            let reply = try await server.streamingReply(ann)
            let retry = Task { try await server.streamChat(token: ann, json: ["messages": [["role": "user", "content": "Hi"]], "stream": true], headers: [("Idempotency-Key", "k1")]) }
            fake.resume()
            let retried = try await retry.value
            #expect(retried.status == .ok)
            let events = retried.events.map(eventJSON)
            #expect(events.first?["message_id"] as? String == reply.messageID)
            #expect(events.compactMap { $0["content"] as? String }.joined() == fake.reply, "the retry gets the events from the start")
            _ = try await first.value
            #expect(fake.received.count == 1, "one provider call for the key")
        }
    }

    @Test func aLapsedLeaseMakesTheReplyInterruptedAndItsKeyReplaysIt() async throws {
        try await withChatServer { server, fake in
            let ann = try await server.user("ann@example.com")
            // A reply whose process died mid-way: streaming, with text saved and a lease in the past.
            let done = try await server.send(.POST, "/api/chat", token: ann, json: ["messages": [["role": "user", "content": "Hi"]]])
            let conversationID = try #require(UUID(uuidString: done.object["conversation_id"] as? String ?? ""))
            let orphan = UUID()
            try await MessageStore.insert([MessageRow(
                id: orphan, conversationID: conversationID, role: .assistant, content: "half a re", position: 10,
                createdAt: Date(), status: .streaming, owner: "a dead process", leaseExpiresAt: Date().addingTimeInterval(-1))], on: server.db.sql)
            try await server.eventually("the sweep marks it interrupted") {
                try await ReplyStore(writer: server.app.parley.writer, owner: "test").snapshot(orphan)?.status == .interrupted
            }
            let events = try await server.send(.GET, "/api/chat/\(orphan.lowercasedString)/stream", token: ann)
            let types = events.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map(eventJSON)
            #expect(types.compactMap { $0["type"] as? String } == ["start", "delta", "interrupted"])
            #expect(types.last?["response"] as? String == "half a re")
            _ = fake
        }
    }

    @Test func shutdownLetsRepliesFinishThenSavesTheRestInterrupted() async throws {
        try await withChatServer { server, fake in
            fake.then(.stallAfter(2))
            let ann = try await server.user("ann@example.com")
            let chat = Task { try await server.streamChat(token: ann, json: ["messages": [["role": "user", "content": "Hi"]], "stream": true]) }
            let reply = try await server.streamingReply(ann)
            try await server.waitForSavedText("Hello!", token: ann, of: reply.conversationID)
            await server.app.parley.replies.drain(grace: .milliseconds(300))
            let events = try await chat.value.events.map(eventJSON)
            #expect(events.last?["type"] as? String == "interrupted")
            #expect(events.last?["response"] as? String == "Hello!")
            let stored = try await server.messages(ann, of: reply.conversationID)
            #expect(stored.last?["status"] as? String == "interrupted")
            #expect(stored.last?["content"] as? String == "Hello!")
            let refused = try await server.send(.POST, "/api/chat", token: ann, json: ["messages": [["role": "user", "content": "Hi"]]])
            #expect(refused.status == .serviceUnavailable)
            fake.resume()
        }
    }
}

extension TestServer {
    /// The user's one conversation's messages, as the API lists them.
    func messages(_ token: String, of conversationID: String, query: String = "") async throws -> [[String: Any]] {
        try await send(.GET, "/api/v1/conversations/\(conversationID)/messages\(query)", token: token).array
    }

    /// Waits until the last message of the conversation holds `text` (a reply's saved batch).
    func waitForSavedText(_ text: String, token: String, of conversationID: String) async throws {
        try await eventually("the reply's saved text is \(text)") {
            try await messages(token, of: conversationID).last?["content"] as? String == text
        }
    }

    /// Waits until the user has a reply in progress; returns its ids.
    func streamingReply(_ token: String) async throws -> (messageID: String, conversationID: String) {
        var found: (String, String)?
        try await eventually("a reply is streaming") {
            let list = try await send(.GET, "/api/v1/conversations/", token: token)
            for conversation in list.array {
                let id = conversation["id"] as? String ?? ""
                if let reply = try await messages(token, of: id).last(where: { $0["status"] as? String == "streaming" }),
                   let messageID = reply["id"] as? String {
                    found = (messageID, id)
                    return true
                }
            }
            return false
        }
        return try #require(found)
    }
}

/// Removing failed turns (their provider failed) in whatever order they fail.
@Suite struct FailedTurnRemovalTests {
    @Test func turnsRemovedOutOfOrderLeaveTheBranchOnWhatIsLeft() async throws {
        // The held streams must outlast a slow machine: no silence limit gets in the way.
        try await withChatServer(.openai, { $0.llmTimeoutSeconds = 120 }) { server, fake in
            let ann = try await server.user("ann@example.com")
            let first = try await server.send(.POST, "/api/chat", token: ann, json: ["messages": [["role": "user", "content": "A"]]])
            let conversationID = try #require(first.object["conversation_id"] as? String)
            let kept = try await server.messages(ann, of: conversationID).compactMap { $0["id"] as? String }
            fake.then(.stallAfter(1), .stallAfter(1))
            let b = Task { try await server.streamChat(token: ann, json: ["conversation_id": conversationID, "messages": [["role": "user", "content": "B"]], "stream": true]) }
            let replyB = try await server.streamingReply(ann)
            let c = Task { try await server.streamChat(token: ann, json: ["conversation_id": conversationID, "messages": [["role": "user", "content": "C"]], "stream": true]) }
            var replyC: String?
            try await server.eventually("C follows B's reply") {
                let listed = try await server.messages(ann, of: conversationID)
                replyC = listed.count == 6 ? listed.last?["id"] as? String : nil
                return replyC != nil
            }
            // B fails first, then C, which hung on B's reply: C's messages move up to A's reply, then go.
            let runs = server.app.parley.replies
            let turnB = try #require(runs.run(UUID(uuidString: replyB.messageID)!)?.turn)
            let turnC = try #require(runs.run(UUID(uuidString: replyC!)!)?.turn)
            #expect(try await runs.store.remove(turnB))
            #expect(try await runs.store.remove(turnC))
            #expect(try await server.messages(ann, of: conversationID).compactMap { $0["id"] as? String } == kept)
            let conversation = try await server.send(.GET, "/api/v1/conversations/\(conversationID)", token: ann)
            #expect(conversation.object["current_message_id"] as? String == kept.last)
            fake.resume()
            _ = try await (b.value, c.value)
        }
    }

    @Test func aReplyASweepEndedIsNotRemoved() async throws {
        try await withChatServer(.openai, { $0.llmTimeoutSeconds = 120 }) { server, fake in
            let ann = try await server.user("ann@example.com")
            fake.then(.stallAfter(1))
            let chat = Task { try await server.streamChat(token: ann, json: ["messages": [["role": "user", "content": "Hi"]], "stream": true], headers: [("Idempotency-Key", "frozen")]) }
            let reply = try await server.streamingReply(ann)
            let id = try #require(UUID(uuidString: reply.messageID))
            let turn = try #require(server.app.parley.replies.run(id)?.turn)
            // This process was frozen past its lease and another one swept the reply.
            try await server.sql.update(MessageStore.table)
                .set(MessageStore.Column.status, to: MessageStatus.interrupted.rawValue)
                .set(MessageStore.Column.owner, to: SQLLiteral.null)
                .where(MessageStore.Column.id, .equal, id).run()
            #expect(try await server.app.parley.replies.store.remove(turn) == false)
            #expect(try await server.count("messages") == 2)
            #expect(try await server.count(IdempotencyStore.table) == 1, "the key still replays the interrupted reply")
            fake.resume()
            _ = try await chat.value
        }
    }
}
