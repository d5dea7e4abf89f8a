import Foundation
import Testing
@testable import Parley

/// API.md's "Search", against a real database (SQLite, or PostgreSQL with PARLEY_TEST_POSTGRES_URL).
@Suite struct SearchTests {
    @Test func wordsMatchByPrefixWithoutCaseOrAccents() async throws {
        try await withChatServer { server, fake in
            let ann = try await server.user("ann@example.com")
            fake.chunks = ["The answer", " is forty-two."]
            let first = try await server.say(ann, "Parsing JSON in Swift")
            try await server.say(ann, "Crème brûlée, s'il vous plaît")

            let pars = try await server.search(ann, "pars")
            #expect(pars.status == .ok)
            // The message, and the title the conversation took from it.
            #expect(pars.array.count == 2)
            #expect(pars.headers.first(name: "X-Total-Count") == "2")
            let hit = try #require(pars.array.first { $0["message_id"] is String })
            #expect(hit["conversation_id"] as? String == first)
            #expect(hit["role"] as? String == "user")
            #expect(hit["snippet"] as? String == "Parsing JSON in Swift")
            #expect(highlighted(hit) == ["Parsing"])
            #expect(hit["created_at"] is String && hit["conversation_title"] as? String == "Parsing JSON in Swift")

            #expect(highlighted(try #require(try await server.search(ann, "CREME brulee").array.first)) == ["Crème", "brûlée"])
            #expect(try await server.search(ann, "plait").array.count == 2)
            // A reply is findable once it has ended.
            let replies = try await server.search(ann, "forty")
            #expect(replies.array.count == 2)
            #expect(replies.array.allSatisfy { $0["role"] as? String == "assistant" })
            #expect(try await server.search(ann, "parsley").array.isEmpty)
        }
    }

    /// The documented choice: a reply is indexed when it ends, not at each save while it streams.
    @Test func aReplyIsFoundOnceItEnds() async throws {
        try await withChatServer { server, fake in
            let ann = try await server.user("ann@example.com")
            fake.chunks = ["Zebras", " graze", " slowly", " at", " dawn"]
            fake.then(.stallAfter(1)) // the reply holds after its first word until the searches below are done
            let events = try await server.streamChatAndLeave(
                token: ann, json: ["messages": [["role": "user", "content": "Tell me about zoos"]], "stream": true], afterDeltas: 1)
            #expect(!events.isEmpty)
            #expect(try await server.search(ann, "zoos").array.count == 2, "the question (and its title) at once")
            #expect(try await server.search(ann, "zebras").array.isEmpty, "not while it streams")
            fake.resume()
            try await server.eventually("the reply is findable") {
                try await server.search(ann, "zebras dawn").array.first?["role"] as? String == "assistant"
            }
        }
    }

    @Test func quotedPhrasesAndExcludedWords() async throws {
        try await withChatServer { server, fake in
            let ann = try await server.user("ann@example.com")
            fake.chunks = ["ok"]
            try await server.say(ann, "red apple pie")
            try await server.say(ann, "apple red pie")
            try await server.say(ann, "green apple")
            func snippets(_ q: String) async throws -> Set<String> {
                let response = try await server.search(ann, q)
                #expect(response.status == .ok, "\(q): \(response.text)")
                return Set(response.array.compactMap { $0["snippet"] as? String })
            }
            #expect(try await snippets(#""red apple""#) == ["red apple pie"])
            #expect(try await snippets("apple -green") == ["red apple pie", "apple red pie"])
            #expect(try await snippets(#"apple -"red apple""#) == ["apple red pie", "green apple"])
            #expect(try await snippets(#""red app""#).isEmpty, "phrase words are whole words")
            #expect(try await snippets("pie -gr") == ["red apple pie", "apple red pie"])
        }
    }

    @Test func titlesAreFoundAndOthersMessagesNever() async throws {
        try await withChatServer { server, fake in
            fake.chunks = ["noted"]
            let ann = try await server.user("ann@example.com")
            let bob = try await server.user("bob@example.com")
            let anns = try await server.say(ann, "the secret plans")
            let bobs = try await server.say(bob, "the secret plans of bob")
            let found = try await server.search(ann, "secret")
            #expect(!found.array.isEmpty && found.array.allSatisfy { $0["conversation_id"] as? String == anns })
            #expect(!found.text.contains(bobs))
            #expect(try await server.search(bob, "secret").array.allSatisfy { $0["conversation_id"] as? String == bobs })

            let renamed = try await server.send(.PATCH, "/api/v1/conversations/\(anns)", token: ann, json: ["title": "Quarterly budget"])
            #expect(renamed.status == .ok)
            let title = try #require(try await server.search(ann, "budget").array.first)
            #expect(title["message_id"] is NSNull && title["role"] is NSNull)
            #expect(title["snippet"] as? String == "Quarterly budget" && highlighted(title) == ["budget"])
            #expect(try await server.search(bob, "budget").array.isEmpty)
            #expect(try await server.search(ann, "secret").array.isEmpty == false)

            let deleted = try await server.send(.DELETE, "/api/v1/conversations/\(anns)", token: ann)
            #expect(deleted.status == .noContent)
            #expect(try await server.search(ann, "secret").array.isEmpty)
            #expect(try await server.search(ann, "budget").array.isEmpty)
        }
    }

    @Test func pagesAndTotal() async throws {
        try await withChatServer { server, fake in
            fake.chunks = ["ok"]
            let ann = try await server.user("ann@example.com")
            for index in 0..<5 { try await server.say(ann, "topic number \(index)") }
            let page = try await server.search(ann, "topic", extra: "&skip=1&limit=2")
            #expect(page.array.count == 2)
            // Five messages and the five titles taken from them.
            #expect(page.headers.first(name: "X-Total-Count") == "10")
            let past = try await server.search(ann, "topic", extra: "&skip=20")
            #expect(past.array.isEmpty && past.headers.first(name: "X-Total-Count") == "10")
            #expect(try await server.search(ann, "topic", extra: "&limit=0").status == .unprocessableEntity)
            #expect(try await server.search(ann, "topic", extra: "&limit=1000").status == .ok, "API.md: lists take limit 1…1000")
            #expect(try await server.search(ann, "topic", extra: "&limit=1001").status == .unprocessableEntity)
        }
    }

    @Test func anEmptyOrOverlongQueryIsRefused() async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            for path in ["/api/v1/search", "/api/v1/search?q=", "/api/v1/search?q=%20%20"] {
                let response = try await server.send(.GET, path, token: ann)
                #expect(response.status == .unprocessableEntity, "\(path)")
                #expect(response.firstIssue?.loc == ["query", "q"], "\(path): \(response.text)")
            }
            let long = try await server.search(ann, String(repeating: "a", count: 501))
            #expect(long.status == .unprocessableEntity && long.firstIssue?.loc == ["query", "q"])
            #expect(try await server.search(ann, String(repeating: "a", count: 500)).status == .ok)
            #expect(try await server.send(.GET, "/api/v1/search?q=x").status == .unauthorized)
        }
    }

    @Test func hostileQueriesNeverFail() async throws {
        try await withChatServer { server, fake in
            fake.chunks = ["ok"]
            let ann = try await server.user("ann@example.com")
            try await server.say(ann, #"near "quoted" owner: body (parens) a*b O'Brien \ back"#)
            let nasty = [
                "\"", "\"\"", "\"\"\"", "*", "**", "a*", "*a", "NEAR", "NEAR(a b)", "NEAR(a b, 2)", "a NEAR b", "a:b", ":", "::",
                "owner:x", "owner : u", "body:*", "{owner body}: x", "^a", "(", ")", "(((", "a OR b", "a AND", "NOT a", "a NOT",
                "-", "--", "-\"", "- -", "-a", "\"-a\"", "' OR 1=1 --", "'", "''", "\\", "\\\\", "a & b | !c", "a <-> b",
                "a:*", "'a':*A", "!", "&", "|", "<->", "<2>", "a:AB", "+", "a + b", "$1", "?", "%", "_", "\u{0301}", "é\u{0301}",
                "🙂", "💥 bomb", "שלום", "مرحبا", "中文搜索", "\u{202E}txet", "\t", "null", "undefined", "0", "-0", "1e309",
                String(repeating: "x", count: 300), String(repeating: "(", count: 500), String(repeating: "a ", count: 250),
                String(repeating: "\"a\" ", count: 100), String(repeating: "-a ", count: 100), "O'Brien", "near", "parens)",
                "\u{0000}", "a\u{0000}b", "%00",
            ]
            for q in nasty {
                let response = try await server.search(ann, q)
                #expect(response.status == .ok || response.status == .unprocessableEntity, "\(q.debugDescription) → \(response.status): \(response.text)")
                #expect(response.json != nil, "\(q.debugDescription) answered no JSON")
            }
            for q in ["O'Brien", "(parens)", "near", #""quoted""#, "owner:", "back\\"] {
                #expect(try await server.search(ann, q).array.contains { $0["message_id"] is String }, "\(q)")
            }
        }
    }
}

/// The migration that creates the index also fills it with what was stored before it.
@Suite struct SearchMigrationTests {
    @Test func existingMessagesAndTitlesAreIndexed() async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            let created = try await server.send(.POST, "/api/v1/conversations/", token: ann, json: ["title": "Older notes"])
            let id = try #require(UUID(uuidString: created.object["id"] as? String ?? ""))
            // Stored straight into the table, as before search existed: not indexed.
            for position in 0..<3 {
                try await server.insertMessage(conversationID: id, role: .user, content: "archived entry number \(position)", position: position)
            }
            #expect(try await server.search(ann, "archived").array.isEmpty)
            try await UpdateSearchEntriesOwnerTerms().revert(on: server.db)
            try await CreateSearchIndex().revert(on: server.db)
            try await CreateSearchIndex().prepare(on: server.db)
            try await UpdateSearchEntriesOwnerTerms().prepare(on: server.db)
            let found = try await server.search(ann, "archived")
            #expect(found.array.count == 3)
            #expect(try await server.search(ann, "older").array.first?["message_id"] is NSNull)
        }
    }

    /// Words are stored with their owner's prefix; the revert goes back to plain words and the
    /// owner's word beside them, and the migration again to prefixed words.
    @Test func ownerTermsAreWrittenAndReverted() async throws {
        try await withChatServer { server, fake in
            fake.chunks = ["noted"]
            let ann = try await server.user("ann@example.com")
            let bob = try await server.user("bob@example.com")
            try await server.say(ann, "pelican migration routes")
            try await server.say(bob, "pelican feathers")
            let owner = SearchIndex.ownerWord(try #require(try await server.user(email: "ann@example.com")).id)
            func stored() async throws -> [String] {
                let sql = server.sql
                if SearchIndex.isSQLite(sql) {
                    // Contentless: what is stored shows in which terms match, not in a column.
                    return try await sql.raw("SELECT COUNT(*) AS n FROM search_words WHERE search_words MATCH \(bind: "body : \"\(owner)pelican\"")")
                        .all().map { "prefixed \(try $0.decode(column: "n", as: Int.self))" }
                        + sql.raw("SELECT COUNT(*) AS n FROM search_words WHERE search_words MATCH 'body : pelican'")
                        .all().map { "plain \(try $0.decode(column: "n", as: Int.self))" }
                }
                return try await sql.raw("SELECT CAST(terms AS text) AS t FROM search_entries ORDER BY key")
                    .all().map { try $0.decode(column: "t", as: String.self) }
            }
            let prefixed = try await stored()
            if SearchIndex.isSQLite(server.sql) {
                #expect(prefixed == ["prefixed 2", "plain 0"], "ann's message and title")
            } else {
                #expect(prefixed.contains { $0.contains("'\(owner)pelican'") } && !prefixed.contains { $0.contains("'pelican'") })
            }
            try await UpdateSearchEntriesOwnerTerms().revert(on: server.db)
            let plain = try await stored()
            if SearchIndex.isSQLite(server.sql) {
                #expect(plain == ["prefixed 0", "plain 4"], "both users' messages and titles")
            } else {
                #expect(plain.contains { $0.contains("'\(owner)':1A") && $0.contains("'pelican'") })
            }
            #expect(try await server.search(ann, "pelican").array.isEmpty, "searches read the new format only")
            try await UpdateSearchEntriesOwnerTerms().prepare(on: server.db)
            #expect(Set(try await stored()) == Set(prefixed))
            #expect(try await server.search(ann, "pelican").array.count == 2)
            #expect(try await server.search(bob, "pel").array.count == 2)
        }
    }
}

/// A search ranks its newest `ranked` matches, then lists the older ones newest first: its work
/// is bounded whatever the user has written, and the order is the same from page to page.
@Suite struct SearchRankingBoundTests {
    @Test func onlyTheNewestMatchesAreRanked() async throws {
        try await withServer { server in
            let token = try await server.user("ann@example.com")
            let ann = try #require(try await server.user(email: "ann@example.com")).id
            let created = try await server.send(.POST, "/api/v1/conversations/", token: token, json: ["title": "Fruit"])
            let conversation = try #require(UUID(uuidString: created.object["id"] as? String ?? ""))
            // Indexed one at a time, oldest first: a later entry is a newer one.
            let texts = [
                "kiwi", "kiwi kiwi kiwi", "a long list of many fruits with one kiwi somewhere among all of them",
                "kiwi", "another long line of words where the kiwi shows up only the once", "kiwi kiwi kiwi kiwi",
            ]
            for (position, text) in texts.enumerated() {
                try await server.insertMessage(conversationID: conversation, role: .user, content: text, position: position)
                let id = try #require(try await server.storedMessages().first { $0.position == position }?.id)
                try await SearchIndex.indexMessages([id], on: server.sql)
            }
            func page(_ skip: Int, _ limit: Int) async throws -> [String] {
                let found = try await SearchIndex.find(SearchQuery("kiwi"), ownerID: ann, skip: skip, limit: limit, ranked: 3, on: server.sql)
                #expect(found.total == 6)
                return found.hits.map(\.text)
            }
            let all = try await page(0, 10)
            #expect(Set(all.prefix(3)) == Set(texts[3...5]), "the newest three, ranked")
            #expect(all.first == texts[5], "the most kiwis first")
            #expect(Array(all.dropFirst(3)) == [texts[2], texts[1], texts[0]], "then the older ones, newest first")
            #expect(try await page(2, 2) == Array(all[2..<4]), "pages across the bound follow the same order")
            #expect(try await page(5, 3) == [texts[0]])
            #expect(try await page(6, 3).isEmpty)
            // Within the bound, best first as before.
            let ranked = try await SearchIndex.find(SearchQuery("kiwi"), ownerID: ann, skip: 0, limit: 10, on: server.sql)
            #expect(ranked.total == 6 && ranked.hits.first?.text == texts[5])
        }
    }
}
