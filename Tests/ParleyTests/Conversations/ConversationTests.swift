import Fluent
import Foundation
import Testing
import Vapor
@testable import Parley

@Suite struct ConversationTests {
    @Test func createWithDefaultOrTrimmedTitle() async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            let plain = try await server.send(.POST, "/api/v1/conversations/", token: ann)
            #expect(plain.status == .created)
            #expect(plain.object["title"] as? String == "New Conversation")
            #expect(Set(plain.object.keys) == ["id", "title", "created_at", "updated_at", "current_message_id", "model"])
            let created = try #require(plain.object["created_at"] as? String)
            #expect(created.hasSuffix("Z"))
            #expect(try Date(created, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true)) <= Date())

            let trimmed = try await server.send(.POST, "/api/v1/conversations", token: ann, json: ["title": "  First Conversation \n"])
            #expect(trimmed.status == .created)
            #expect(trimmed.object["title"] as? String == "First Conversation")
            #expect(try await server.count("conversations") == 2)
        }
    }

    @Test(arguments: [
        (JSONValueInput.string("   "), "string_too_short"),
        (.string(String(repeating: "é", count: 256)), "string_too_long"),
        (.number(7), "string_type"),
        (.string("nul\u{0}inside"), "string_pattern_mismatch"),
    ])
    func badTitlesAre422AndStoreNothing(title: JSONValueInput, type: String) async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            let response = try await server.send(.POST, "/api/v1/conversations/", token: ann, json: ["title": title.value])
            #expect(response.status == .unprocessableEntity)
            #expect(response.firstIssue?.loc == ["body", "title"])
            #expect(response.firstIssue?.type == type)
            #expect(try await server.count("conversations") == 0)
        }
    }

    @Test func titleLimitCountsCodePoints() async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            let longest = String(repeating: "🦜", count: 255)
            let response = try await server.send(.POST, "/api/v1/conversations/", token: ann, json: ["title": longest])
            #expect(response.status == .created)
            #expect(response.object["title"] as? String == longest)
        }
    }

    @Test func listIsMostRecentlyUpdatedFirstAndPaginated() async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            var ids: [String] = []
            for index in 0..<3 {
                let created = try await server.send(.POST, "/api/v1/conversations/", token: ann, json: ["title": "c\(index)"])
                ids.append(try #require(created.object["id"] as? String))
            }
            let renamed = try await server.send(.PATCH, "/api/v1/conversations/\(ids[0])", token: ann, json: ["title": "renamed"])
            #expect(renamed.status == .ok)
            #expect(renamed.object["title"] as? String == "renamed")
            #expect((renamed.object["updated_at"] as? String ?? "") > (renamed.object["created_at"] as? String ?? ""))

            let all = try await server.send(.GET, "/api/v1/conversations/", token: ann)
            #expect(all.headers.first(name: "X-Total-Count") == "3")
            #expect(all.array.compactMap { $0["id"] as? String } == [ids[0], ids[2], ids[1]])

            let page = try await server.send(.GET, "/api/v1/conversations?skip=1&limit=1", token: ann)
            #expect(page.array.compactMap { $0["id"] as? String } == [ids[2]])
            #expect(page.headers.first(name: "X-Total-Count") == "3")
        }
    }

    @Test(arguments: ["skip=-1", "limit=0", "limit=1001", "limit=ten", "skip=1.5"])
    func outOfRangePaginationIs422(query: String) async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            let response = try await server.send(.GET, "/api/v1/conversations/?\(query)", token: ann)
            #expect(response.status == .unprocessableEntity)
            #expect(response.firstIssue?.loc.first == "query")
        }
    }

    @Test func readRenameDelete() async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            let created = try await server.send(.POST, "/api/v1/conversations/", token: ann, json: ["title": "Mine"])
            let id = try #require(created.object["id"] as? String)
            let read = try await server.send(.GET, "/api/v1/conversations/\(id.uppercased())", token: ann)
            #expect(read.status == .ok)
            #expect(read.object["id"] as? String == id)

            let missingTitle = try await server.send(.PATCH, "/api/v1/conversations/\(id)", token: ann, json: [String: String]())
            #expect(missingTitle.status == .unprocessableEntity)
            #expect(missingTitle.firstIssue?.type == "missing")

            let conversationID = try #require(UUID(uuidString: id))
            try await server.insertMessage(conversationID: conversationID, role: .user, content: "hello", position: 0)
            #expect(try await server.send(.DELETE, "/api/v1/conversations/\(id)", token: ann).status == .noContent)
            #expect(try await server.send(.GET, "/api/v1/conversations/\(id)", token: ann).status == .notFound)
            #expect(try await server.count("messages") == 0)
        }
    }

    @Test func anotherUsersConversationIsIndistinguishableFromAMissingOne() async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            let bob = try await server.user("bob@example.com")
            let created = try await server.send(.POST, "/api/v1/conversations/", token: ann, json: ["title": "Ann's"])
            let id = try #require(created.object["id"] as? String)
            let missing = UUID().uuidString.lowercased()
            for target in [id, missing] {
                for (method, path, body) in [
                    (HTTPMethod.GET, "/api/v1/conversations/\(target)", nil as [String: String]?),
                    (.PATCH, "/api/v1/conversations/\(target)", ["title": "stolen"]),
                    (.GET, "/api/v1/conversations/\(target)/messages", nil),
                    (.DELETE, "/api/v1/conversations/\(target)", nil),
                ] {
                    let response = try await server.send(method, path, token: bob, json: body)
                    #expect(response.status == .notFound, "\(method) \(path)")
                    #expect(response.text == #"{"detail":"Resource not found"}"#)
                }
            }
            let bobsList = try await server.send(.GET, "/api/v1/conversations/", token: bob)
            #expect(bobsList.array.isEmpty)
            let stored = try #require(try await server.conversation(UUID(uuidString: id)))
            #expect(stored.title == "Ann's")
        }
    }

    @Test func messagesAreOldestFirstEvenWithinOneTimestamp() async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            let created = try await server.send(.POST, "/api/v1/conversations/", token: ann)
            let id = try #require(UUID(uuidString: created.object["id"] as? String ?? ""))
            let moment = Date(timeIntervalSince1970: 1_700_000_000)
            // Inserted out of order, all at one instant: `position` alone decides.
            for (position, role, text) in [(2, MessageRole.user, "third"), (0, .system, "first"), (1, .assistant, "second")] {
                try await server.insertMessage(conversationID: id, role: role, content: text, position: position, createdAt: moment)
            }
            let listed = try await server.send(.GET, "/api/v1/conversations/\(id)/messages", token: ann)
            #expect(listed.status == .ok)
            #expect(listed.headers.first(name: "X-Total-Count") == "3")
            #expect(listed.array.compactMap { $0["content"] as? String } == ["first", "second", "third"])
            #expect(listed.array.compactMap { $0["role"] as? String } == ["system", "assistant", "user"])
            #expect(Set(listed.array.first?.keys ?? [:].keys) == ["id", "content", "role", "created_at", "parent_id", "status"])

            let paged = try await server.send(.GET, "/api/v1/conversations/\(id)/messages/?skip=2", token: ann)
            #expect(paged.array.compactMap { $0["content"] as? String } == ["third"])
        }
    }

    @Test func fiftyParallelCreatesAreAllStored() async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            let statuses = try await withThrowingTaskGroup(of: HTTPResponseStatus.self) { group in
                for index in 0..<50 {
                    group.addTask {
                        try await server.send(.POST, "/api/v1/conversations/", token: ann, json: ["title": "parallel \(index)"]).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.count == 50)
            #expect(statuses.allSatisfy { $0 == .created })
            #expect(try await server.count("conversations") == 50)
            let titles = Set(try await server.conversationTitles())
            #expect(titles.count == 50)
        }
    }
}

/// A JSON value for parameterized tests (which need `Sendable` arguments).
enum JSONValueInput: Sendable, CustomTestStringConvertible {
    case string(String)
    case number(Int)

    var value: Any {
        switch self {
        case let .string(text): text
        case let .number(number): number
        }
    }

    var testDescription: String { "\(value)" }
}

/// The conversation list reads a page straight from one index, in its whole order.
@Suite struct ConversationPageIndexTests {
    @Test func aPageIsReadFromTheIndexWithoutSorting() async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            for index in 0..<3 {
                _ = try await server.send(.POST, "/api/v1/conversations/", token: ann, json: ["title": "c\(index)"])
            }
            let sql = server.sql
            func listed() async throws -> [String] {
                try await server.send(.GET, "/api/v1/conversations/", token: ann).array.compactMap { $0["title"] as? String }
            }
            #expect(try await listed() == ["c2", "c1", "c0"])
            if SearchIndex.isSQLite(sql) {
                // The statement ConversationStore.page sends (the planner only sees its shape).
                let plan = try await sql.raw("""
                    EXPLAIN QUERY PLAN SELECT * FROM conversations WHERE user_id = \(bind: UUID())
                    ORDER BY updated_at DESC, created_at DESC, id ASC LIMIT 100 OFFSET 0
                    """).all().map { try $0.decode(column: "detail", as: String.self) }.joined(separator: "; ")
                #expect(plan.contains(UpdateConversationsPageIndex.name), "\(plan)")
                #expect(!plan.contains("TEMP B-TREE"), "\(plan)")
            }
            try await UpdateConversationsPageIndex().revert(on: server.db)
            #expect(try await listed() == ["c2", "c1", "c0"])
            try await UpdateConversationsPageIndex().prepare(on: server.db)
            #expect(try await listed() == ["c2", "c1", "c0"])
        }
    }
}
