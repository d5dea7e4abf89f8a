import Foundation
import Testing
import Vapor
@testable import Parley

/// API.md's "Branches: edit and regenerate": a conversation is a tree, its list the current branch.
@Suite struct BranchTests {
    /// A conversation of two turns: returns (conversation id, [A, reply A, B, reply B] ids).
    private func twoTurns(_ server: TestServer, _ token: String) async throws -> (String, [String]) {
        let first = try await server.send(.POST, "/api/chat", token: token, json: ["messages": [["role": "user", "content": "A"]]])
        let conversationID = try #require(first.object["conversation_id"] as? String)
        _ = try await server.send(.POST, "/api/chat", token: token, json: [
            "conversation_id": conversationID, "messages": [["role": "user", "content": "B"]]])
        let ids = try await server.messages(token, of: conversationID).compactMap { $0["id"] as? String }
        #expect(ids.count == 4)
        return (conversationID, ids)
    }

    @Test func messagesAreChainedAndTheConversationNamesItsLeaf() async throws {
        try await withChatServer { server, _ in
            let ann = try await server.user("ann@example.com")
            let (conversationID, ids) = try await twoTurns(server, ann)
            let listed = try await server.messages(ann, of: conversationID)
            #expect(listed.map { $0["parent_id"] as? String } == [nil, ids[0], ids[1], ids[2]])
            #expect(listed.allSatisfy { $0.keys.contains("parent_id") && $0["status"] as? String == "complete" })
            #expect(listed[1]["model"] as? String == "fake-model")
            #expect((listed[1]["usage"] as? [String: Int])?["completion_tokens"] == 4)
            #expect(listed[0]["model"] == nil)
            let conversation = try await server.send(.GET, "/api/v1/conversations/\(conversationID)", token: ann)
            #expect(conversation.object["current_message_id"] as? String == ids[3])
            let empty = try await server.send(.POST, "/api/v1/conversations/", token: ann, json: [:])
            #expect(empty.object.keys.contains("current_message_id") && empty.object["current_message_id"] is NSNull)
        }
    }

    @Test func anEditStartsABranchAndTheModelSeesOnlyItsPath() async throws {
        try await withChatServer { server, fake in
            let ann = try await server.user("ann@example.com")
            let (conversationID, ids) = try await twoTurns(server, ann)
            let edit = try await server.send(.POST, "/api/chat", token: ann, json: [
                "conversation_id": conversationID, "parent_id": ids[1], "messages": [["role": "user", "content": "B2"]]])
            #expect(edit.status == .ok)
            #expect(fake.received.last?.messages.map { $0["content"] ?? "" } == ["A", fake.reply, "B2"])
            let current = try await server.send(.GET, "/api/v1/conversations/\(conversationID)/messages", token: ann)
            #expect(current.array.compactMap { $0["content"] as? String } == ["A", fake.reply, "B2", fake.reply])
            #expect(current.headers.first(name: "X-Total-Count") == "4")
            let all = try await server.send(.GET, "/api/v1/conversations/\(conversationID)/messages?branch=all", token: ann)
            #expect(all.array.compactMap { $0["content"] as? String } == ["A", fake.reply, "B", fake.reply, "B2", fake.reply])
            #expect(all.headers.first(name: "X-Total-Count") == "6")
            #expect(all.array[4]["parent_id"] as? String == ids[1])
        }
    }

    @Test func regenerateAsksForAnotherReplyToTheSameMessage() async throws {
        try await withChatServer { server, fake in
            let ann = try await server.user("ann@example.com")
            let (conversationID, ids) = try await twoTurns(server, ann)
            fake.chunks = ["Another", " answer"]
            let again = try await server.send(.POST, "/api/chat", token: ann, json: [
                "conversation_id": conversationID, "parent_id": ids[2], "messages": []])
            #expect(again.status == .ok, "\(again.text)")
            #expect(again.object["response"] as? String == "Another answer")
            #expect(fake.received.last?.messages.map { $0["content"] ?? "" } == ["A", "Hello! How can I help?", "B"])
            let listed = try await server.messages(ann, of: conversationID)
            #expect(listed.compactMap { $0["content"] as? String } == ["A", "Hello! How can I help?", "B", "Another answer"])
            #expect(listed.last?["parent_id"] as? String == ids[2])
            let all = try await server.messages(ann, of: conversationID, query: "?branch=all")
            #expect(all.filter { $0["parent_id"] as? String == ids[2] }.count == 2, "two replies to B: 2/2")
        }
    }

    @Test func switchingBranchFollowsTheNewestChildrenToALeaf() async throws {
        try await withChatServer { server, fake in
            let ann = try await server.user("ann@example.com")
            let (conversationID, ids) = try await twoTurns(server, ann)
            fake.chunks = ["Edited"]
            _ = try await server.send(.POST, "/api/chat", token: ann, json: [
                "conversation_id": conversationID, "parent_id": ids[1], "messages": [["role": "user", "content": "B2"]]])
            // Back to the first version of the second question.
            let back = try await server.send(.PATCH, "/api/v1/conversations/\(conversationID)", token: ann, json: ["current_message_id": ids[2]])
            #expect(back.status == .ok)
            #expect(back.object["current_message_id"] as? String == ids[3])
            #expect(try await server.messages(ann, of: conversationID).compactMap { $0["content"] as? String } == ["A", "Hello! How can I help?", "B", "Hello! How can I help?"])
            // From the first reply, the newest child is the edit: down to its reply.
            let newest = try await server.send(.PATCH, "/api/v1/conversations/\(conversationID)", token: ann, json: ["current_message_id": ids[1]])
            #expect(try await server.messages(ann, of: conversationID).compactMap { $0["content"] as? String } == ["A", "Hello! How can I help?", "B2", "Edited"])
            #expect(newest.object["title"] as? String == "A")
            // The next turn follows the current branch.
            fake.chunks = ["Next"]
            _ = try await server.send(.POST, "/api/chat", token: ann, json: [
                "conversation_id": conversationID, "messages": [["role": "user", "content": "C"]]])
            #expect(fake.received.last?.messages.map { $0["content"] ?? "" } == ["A", "Hello! How can I help?", "B2", "Edited", "C"])
        }
    }

    @Test func editingTheFirstMessageStartsANewRoot() async throws {
        try await withChatServer { server, fake in
            let ann = try await server.user("ann@example.com")
            let (conversationID, _) = try await twoTurns(server, ann)
            let edit = try await server.send(.POST, "/api/chat", token: ann, json: [
                "conversation_id": conversationID, "parent_id": NSNull(), "messages": [["role": "user", "content": "A2"]]])
            #expect(edit.status == .ok)
            #expect(fake.received.last?.messages.map { $0["content"] ?? "" } == ["A2"])
            let listed = try await server.messages(ann, of: conversationID)
            #expect(listed.compactMap { $0["content"] as? String } == ["A2", fake.reply])
            #expect(listed.first?["parent_id"] is NSNull)
        }
    }

    @Test func aFailedEditLeavesTheBranchAsItWas() async throws {
        try await withChatServer { server, fake in
            let ann = try await server.user("ann@example.com")
            let (conversationID, ids) = try await twoTurns(server, ann)
            fake.then(.status(500, message: "down"))
            let edit = try await server.send(.POST, "/api/chat", token: ann, json: [
                "conversation_id": conversationID, "parent_id": ids[1], "messages": [["role": "user", "content": "B2"]]])
            #expect(edit.status == .badGateway)
            #expect(try await server.messages(ann, of: conversationID).compactMap { $0["id"] as? String } == ids)
            let conversation = try await server.send(.GET, "/api/v1/conversations/\(conversationID)", token: ann)
            #expect(conversation.object["current_message_id"] as? String == ids[3])
            #expect(try await server.count("messages") == 4)
        }
    }

    @Test func parentsAreCheckedLikeEveryOtherID() async throws {
        try await withChatServer { server, _ in
            let ann = try await server.user("ann@example.com")
            let bob = try await server.user("bob@example.com")
            let (conversationID, ids) = try await twoTurns(server, ann)
            let (bobsConversation, bobsIDs) = try await twoTurns(server, bob)
            func chat(_ json: [String: Any]) async throws -> TestResponse {
                try await server.send(.POST, "/api/chat", token: ann, json: json)
            }
            // Someone else's message, or a message of another conversation: not found.
            #expect(try await chat(["conversation_id": conversationID, "parent_id": bobsIDs[1], "messages": [["role": "user", "content": "x"]]]).status == .notFound)
            #expect(try await chat(["conversation_id": bobsConversation, "parent_id": bobsIDs[1], "messages": [["role": "user", "content": "x"]]]).status == .notFound)
            // Regenerating needs a user message; an empty list needs a parent.
            let reply = try await chat(["conversation_id": conversationID, "parent_id": ids[1], "messages": []])
            #expect(reply.status == .unprocessableEntity && reply.firstIssue?.loc == ["body", "parent_id"])
            let empty = try await chat(["conversation_id": conversationID, "messages": []])
            #expect(empty.status == .unprocessableEntity && empty.firstIssue?.loc == ["body", "messages"])
            let noConversation = try await chat(["parent_id": ids[1], "messages": [["role": "user", "content": "x"]]])
            #expect(noConversation.status == .unprocessableEntity && noConversation.firstIssue?.loc == ["body", "parent_id"])
            let notAnID = try await chat(["conversation_id": conversationID, "parent_id": "nope", "messages": [["role": "user", "content": "x"]]])
            #expect(notAnID.status == .unprocessableEntity)
            // A branch switch to a message of another conversation.
            let patch = try await server.send(.PATCH, "/api/v1/conversations/\(conversationID)", token: ann, json: ["current_message_id": bobsIDs[0]])
            #expect(patch.status == .notFound)
            let badQuery = try await server.send(.GET, "/api/v1/conversations/\(conversationID)/messages?branch=some", token: ann)
            #expect(badQuery.status == .unprocessableEntity)
            #expect(try await server.count("messages") == 8)
        }
    }
}
