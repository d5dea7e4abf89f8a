import Foundation
import Testing
@testable import Parley

/// API.md's "Export and import": Parley's own format round-trips whole trees; ChatGPT's
/// `conversations.json` becomes Parley's tree.
@Suite struct ExportImportTests {
    /// A conversation A → reply → B → reply, with B edited into B2 (a second branch, current).
    private func branched(_ server: TestServer, _ token: String) async throws -> String {
        let id = try await server.say(token, "Alpha question")
        try await server.say(token, "Bravo question", in: id)
        let all = try await server.send(.GET, "/api/v1/conversations/\(id)/messages", token: token).array
        let edit = try await server.send(.POST, "/api/chat", token: token, json: [
            "conversation_id": id, "parent_id": all[1]["id"] as! String, "messages": [["role": "user", "content": "Bravo edited"]]])
        #expect(edit.status == .ok)
        return id
    }

    /// Messages as (content, index of parent in the list) in creation order: the tree's shape
    /// whatever the ids.
    private func shape(_ messages: [[String: Any]]) -> [String] {
        let ids = messages.map { $0["id"] as? String ?? "" }
        return messages.map { message in
            let parent = (message["parent_id"] as? String).flatMap { ids.firstIndex(of: $0) }.map(String.init) ?? "root"
            return "\(message["role"] ?? "")|\(message["content"] ?? "")|\(parent)|\(message["status"] ?? "")|\(message["created_at"] ?? "")"
        }
    }

    @Test func aConversationRoundTripsWithItsBranchesAndTimestamps() async throws {
        try await withChatServer { server, _ in
            let ann = try await server.user("ann@example.com")
            let id = try await branched(server, ann)
            let original = try await server.send(.GET, "/api/v1/conversations/\(id)/messages?branch=all", token: ann).array
            let current = try await server.send(.GET, "/api/v1/conversations/\(id)/messages", token: ann).array

            let export = try await server.send(.GET, "/api/v1/conversations/\(id)/export?format=json", token: ann)
            #expect(export.status == .ok)
            #expect(export.headers.first(name: "Content-Disposition")?.hasPrefix("attachment") == true)
            let document = export.object
            #expect(document["id"] as? String == id && document["title"] as? String == "Alpha question")
            let messages = try #require(document["messages"] as? [[String: Any]])
            #expect(messages.count == 6)
            #expect(messages.allSatisfy { ["id", "parent_id", "role", "content", "status", "model", "created_at"].allSatisfy($0.keys.contains) })
            #expect(shape(messages) == shape(original))

            let imported = try await server.send(.POST, "/api/v1/conversations/import", token: ann, body: export.text)
            #expect(imported.status == .created, "\(imported.text)")
            #expect(imported.object["conversations"] as? Int == 1 && imported.object["messages"] as? Int == 6)
            #expect(imported.object["skipped"] as? Int == 0)
            let list = try await server.send(.GET, "/api/v1/conversations/", token: ann).array
            #expect(list.count == 2)
            let copy = try #require(list.first { $0["id"] as? String != id })
            let copyID = try #require(copy["id"] as? String)
            #expect(copy["title"] as? String == "Alpha question")
            #expect(copy["created_at"] as? String == document["created_at"] as? String)
            let copied = try await server.send(.GET, "/api/v1/conversations/\(copyID)/messages?branch=all", token: ann).array
            #expect(shape(copied) == shape(original))
            #expect(Set(copied.compactMap { $0["id"] as? String }).isDisjoint(with: original.compactMap { $0["id"] as? String }))
            let copiedCurrent = try await server.send(.GET, "/api/v1/conversations/\(copyID)/messages", token: ann).array
            #expect(copiedCurrent.compactMap { $0["content"] as? String } == current.compactMap { $0["content"] as? String })
            // Imported messages are findable.
            #expect(try await server.search(ann, "bravo edited").array.count(where: { $0["conversation_id"] as? String == copyID }) == 1)

            // The same file twice: two more copies.
            _ = try await server.send(.POST, "/api/v1/conversations/import", token: ann, body: export.text)
            #expect(try await server.send(.GET, "/api/v1/conversations/", token: ann).array.count == 3)
        }
    }

    @Test func markdownIsTheCurrentBranchAsAnAttachment() async throws {
        try await withChatServer { server, fake in
            let ann = try await server.user("ann@example.com")
            let id = try await branched(server, ann)
            let markdown = try await server.send(.GET, "/api/v1/conversations/\(id)/export?format=markdown", token: ann)
            #expect(markdown.status == .ok)
            #expect(markdown.headers.first(name: "Content-Type")?.hasPrefix("text/markdown") == true)
            #expect(markdown.headers.first(name: "Content-Disposition")?.contains("Alpha_question.md") == true)
            #expect(markdown.text.hasPrefix("# Alpha question\n"))
            #expect(markdown.text.contains("## User") && markdown.text.contains("## Assistant (fake-model)"))
            #expect(markdown.text.contains("Bravo edited") && !markdown.text.contains("Bravo question"))
            #expect(markdown.text.contains(fake.reply))
            let bob = try await server.user("bob@example.com")
            #expect(try await server.send(.GET, "/api/v1/conversations/\(id)/export", token: bob).status == .notFound)
            #expect(try await server.send(.GET, "/api/v1/conversations/\(id)/export?format=pdf", token: ann).status == .unprocessableEntity)
        }
    }

    @Test func theAccountExportImportsIntoAnotherAccount() async throws {
        try await withChatServer { server, _ in
            let ann = try await server.user("ann@example.com")
            _ = try await branched(server, ann)
            try await server.say(ann, "Charlie topic")
            _ = try await server.send(.POST, "/api/v1/conversations/", token: ann, json: ["title": "Empty one"])
            let all = try await server.send(.GET, "/api/v1/users/me/export", token: ann)
            #expect(all.status == .ok)
            let conversations = try #require(all.json as? [[String: Any]])
            #expect(conversations.count == 3)
            #expect(conversations.map { ($0["messages"] as? [Any])?.count ?? -1 }.sorted() == [0, 2, 6])

            let bob = try await server.user("bob@example.com")
            let imported = try await server.send(.POST, "/api/v1/conversations/import", token: bob, body: all.text)
            #expect(imported.status == .created, "\(imported.text)")
            #expect(imported.object["conversations"] as? Int == 3 && imported.object["messages"] as? Int == 8)
            let bobs = try await server.send(.GET, "/api/v1/conversations/", token: bob).array
            #expect(Set(bobs.compactMap { $0["title"] as? String }) == ["Alpha question", "Charlie topic", "Empty one"])
            #expect(try await server.search(bob, "charlie").array.isEmpty == false)
        }
    }

    @Test func aChatGPTExportBecomesTrees() async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            let file = ChatGPTFile.make()
            let imported = try await server.send(.POST, "/api/v1/conversations/import", token: ann, body: file)
            #expect(imported.status == .created, "\(imported.text)")
            #expect(imported.object["conversations"] as? Int == 2)
            // Six messages in the first (the empty root and the tool output left out), two in the second.
            #expect(imported.object["messages"] as? Int == 8)
            // One image part, one tool message, one code message.
            #expect(imported.object["skipped"] as? Int == 3)
            let failed = try #require(imported.object["failed"] as? [[String: Any]])
            #expect(failed.compactMap { $0["index"] as? Int } == [1, 3])

            let list = try await server.send(.GET, "/api/v1/conversations/", token: ann).array
            let trip = try #require(list.first { $0["title"] as? String == "Trip planning" })
            let tripID = try #require(trip["id"] as? String)
            #expect(trip["created_at"] as? String == "2023-11-14T22:13:20.000Z")
            let current = try await server.send(.GET, "/api/v1/conversations/\(tripID)/messages", token: ann).array
            // current_node is the first reply (the regenerated one, and what followed, are the other branch).
            #expect(current.compactMap { $0["content"] as? String } == ["You are a travel agent.", "Plan a trip to Lisbon", "Day one: Belém."])
            #expect(current.compactMap { $0["role"] as? String } == ["system", "user", "assistant"])
            #expect(current[1]["created_at"] as? String == "2023-11-14T22:13:30.000Z")
            #expect(current[2]["model"] as? String == "gpt-4")
            let all = try await server.send(.GET, "/api/v1/conversations/\(tripID)/messages?branch=all", token: ann).array
            #expect(all.compactMap { $0["content"] as? String } == [
                "You are a travel agent.", "Plan a trip to Lisbon", "Day one: Belém.", "Day one: Alfama.", "Look at this photo", "Nice tram!"])
            let other = try #require(all.first { $0["content"] as? String == "Day one: Alfama." })
            #expect(other["parent_id"] as? String == current[1]["id"] as? String)
            let photo = try #require(all.first { $0["content"] as? String == "Look at this photo" })
            #expect(photo["parent_id"] as? String == other["id"] as? String)
            #expect(try await server.search(ann, "lisbon").array.contains { $0["conversation_id"] as? String == tripID })
        }
    }

    @Test func timesNoCalendarCanWriteAreImportedAsNoTimeAndNeverCrashAnExport() async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            let file = #"[{"title": "Odd times", "create_time": 1e300, "update_time": -1e300, "current_node": "b", "mapping": {"#
                + #""a": {"id": "a", "parent": null, "children": ["b"], "message": {"id": "a", "author": {"role": "user"}, "create_time": 1e300, "content": {"content_type": "text", "parts": ["when?"]}}},"#
                + #""b": {"id": "b", "parent": "a", "children": [], "message": {"id": "b", "author": {"role": "assistant"}, "create_time": -1e300, "content": {"content_type": "text", "parts": ["never"]}}}}},"#
                + #" {"title": "Odd export", "created_at": "99999-01-01T00:00:00Z", "messages": [{"id": "m", "role": "user", "content": "x", "created_at": "-0001-01-01T00:00:00Z"}]}]"#
            let imported = try await server.send(.POST, "/api/v1/conversations/import", token: ann, body: file)
            #expect(imported.status == .created, "\(imported.text)")
            let export = try await server.send(.GET, "/api/v1/users/me/export", token: ann)
            #expect(export.status == .ok)
            #expect((export.json as? [[String: Any]])?.count == 2)
            #expect(try await server.send(.GET, "/health").status == .ok, "the server is still up")
        }
    }

    @Test func malformedFilesAreRefusedAndLargeOnesAccepted() async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            for body in ["", "hello", "42", "{\"messages\": ", "[{\"mapping\": {}}", "]"] {
                let response = try await server.send(.POST, "/api/v1/conversations/import", token: ann, body: body)
                #expect(response.status == .unprocessableEntity || response.status == .created, "\(body): \(response.status)")
                #expect(response.status != .created || (response.object["failed"] as? [Any])?.isEmpty == false, "\(body)")
            }
            #expect(try await server.send(.POST, "/api/v1/conversations/import", token: ann, body: "hello").status == .unprocessableEntity)
            let empty = try await server.send(.POST, "/api/v1/conversations/import", token: ann, body: " [ ] ")
            #expect(empty.status == .created && empty.object["conversations"] as? Int == 0)
            #expect(try await server.send(.POST, "/api/v1/conversations/import", body: "[]").status == .unauthorized)

            // Well over the 1 MiB of other routes.
            let long = String(repeating: "lorem ipsum ", count: 10_000)
            let conversations = (0..<30).map { index in
                ["title": "Big \(index)", "messages": [["id": "m\(index)", "role": "user", "content": long]]] as [String: Any]
            }
            let body = String(decoding: try JSONSerialization.data(withJSONObject: conversations), as: UTF8.self)
            #expect(body.utf8.count > 3 * 1024 * 1024)
            let big = try await server.send(.POST, "/api/v1/conversations/import", token: ann, body: body)
            #expect(big.status == .created, "\(big.text.prefix(300))")
            #expect(big.object["conversations"] as? Int == 30 && big.object["messages"] as? Int == 30)
        }
    }
}

/// A ChatGPT `conversations.json` as its data export writes it: a tree of nodes with a hidden
/// empty system root, a regenerated reply (two branches), a tool message, a code message, an
/// image part; then a plain conversation, and two items that are not conversations.
enum ChatGPTFile {
    static func make() -> String {
        let t0 = 1_700_000_000.0
        func node(_ id: String, parent: String?, children: [String], role: String? = nil, parts: [Any] = [],
                  type: String = "text", at offset: Double = 0, model: String? = nil) -> [String: Any] {
            var node: [String: Any] = ["id": id, "children": children, "parent": parent ?? NSNull()]
            if let role {
                var message: [String: Any] = [
                    "id": id, "author": ["role": role, "name": NSNull(), "metadata": [:]],
                    "content": ["content_type": type, "parts": parts], "create_time": t0 + offset, "status": "finished_successfully",
                ]
                if let model { message["metadata"] = ["model_slug": model] }
                node["message"] = message
            } else {
                node["message"] = NSNull()
            }
            return node
        }
        let image: [String: Any] = ["content_type": "image_asset_pointer", "asset_pointer": "file-service://file-abc", "width": 800]
        let trip: [String: Any] = [
            "title": "Trip planning", "create_time": t0, "update_time": t0 + 100, "current_node": "a1",
            "mapping": [
                "root": node("root", parent: nil, children: ["hidden"]),
                "hidden": node("hidden", parent: "root", children: ["sys"], role: "system", parts: [""], at: 1),
                "sys": node("sys", parent: "hidden", children: ["u1"], role: "system", parts: ["You are a travel agent."], at: 5),
                "u1": node("u1", parent: "sys", children: ["a1", "a1b"], role: "user", parts: ["Plan a trip to Lisbon"], at: 10),
                "a1": node("a1", parent: "u1", children: ["tool"], role: "assistant", parts: ["Day one: Belém."], at: 20, model: "gpt-4"),
                "tool": node("tool", parent: "a1", children: ["code"], role: "tool", parts: ["search results"], at: 21),
                "code": node("code", parent: "tool", children: [], role: "assistant", parts: [], type: "code", at: 22),
                "a1b": node("a1b", parent: "u1", children: ["u2"], role: "assistant", parts: ["Day one: Alfama."], at: 30, model: "gpt-4"),
                "u2": node("u2", parent: "a1b", children: ["a2"], role: "user", parts: ["Look at this photo", image],
                           type: "multimodal_text", at: 40),
                "a2": node("a2", parent: "u2", children: [], role: "assistant", parts: ["Nice tram!"], at: 50, model: "gpt-4"),
            ] as [String: Any],
        ]
        let plain: [String: Any] = [
            "title": "Quick question", "create_time": t0 + 1000, "update_time": t0 + 1010, "current_node": "b",
            "mapping": [
                "a": node("a", parent: nil, children: ["b"], role: "user", parts: ["What is 2+2?"], at: 1000),
                "b": node("b", parent: "a", children: [], role: "assistant", parts: ["4"], at: 1001),
            ] as [String: Any],
        ]
        let items: [Any] = [trip, 42, plain, ["mapping": 5]]
        return String(decoding: try! JSONSerialization.data(withJSONObject: items), as: UTF8.self)
    }
}
