import Foundation
import SQLKit

/// One entry a search found, with what its result needs.
struct SearchHit: Sendable {
    var conversationID: UUID
    var conversationTitle: String
    var messageID: UUID?
    var role: MessageRole?
    var createdAt: Date
    /// The message's text, or the title for a title match.
    var text: String
}

extension SearchIndex {
    /// How many of the newest matches are ranked. A search matching more (a common word or
    /// prefix) shows the best of its newest `rankedMatches` first, then the older matches newest
    /// first: the work of a page is bounded by this, not by how much the user has written.
    static let rankedMatches = 1000

    /// The owner's entries matching `query`, and how many match in all. Order: among the newest
    /// `ranked` matches, best first (bm25 on SQLite, ts_rank on PostgreSQL; newest first
    /// among equals); then every older match, newest first. Only the page's entries are read
    /// beyond the index.
    static func find(_ query: SearchQuery, ownerID: UUID, skip: Int, limit: Int, ranked: Int = rankedMatches,
                     on db: any SQLDatabase) async throws -> (hits: [SearchHit], total: Int) {
        guard !query.isEmpty else { return ([], 0) }
        // The newest matches with their scores, as many as the ranking and this page need.
        let wanted = max(ranked, skip + limit)
        let matches: [(key: Int64, score: Double)]
        let total: Int
        if isSQLite(db) {
            matches = try await db.raw("""
                SELECT rowid AS k, bm25(\(ident: wordsTable)) AS score FROM \(ident: wordsTable)
                WHERE \(ident: wordsTable) MATCH \(bind: matchExpression(query, owner: ownerID))
                ORDER BY rowid DESC LIMIT \(bind: wanted)
                """).all().map { (try $0.decode(column: "k", as: Int64.self), try $0.decode(column: "score", as: Double.self)) }
            total = matches.count < wanted ? matches.count : try await count(query, ownerID: ownerID, on: db)
        } else {
            // One scan gives the newest matches and the count of all; ts_rank reads only the
            // newest (it is higher for better matches: negated, it sorts like bm25).
            let tsquery = tsqueryExpression(query, owner: ownerID)
            let rows = try await db.raw("""
                SELECT k, n, -ts_rank(terms, CAST(\(bind: tsquery) AS tsquery)) AS score FROM (
                    SELECT \(ident: Column.key) AS k, \(ident: Column.terms) AS terms, COUNT(*) OVER () AS n FROM \(ident: table)
                    WHERE \(ident: Column.terms) @@ CAST(\(bind: tsquery) AS tsquery) AND \(ident: Column.userID) = \(bind: ownerID)
                    ORDER BY \(ident: Column.key) DESC LIMIT \(bind: wanted)) newest
                ORDER BY k DESC
                """).all()
            matches = try rows.map { (try $0.decode(column: "k", as: Int64.self), Double(try $0.decode(column: "score", as: Float.self))) }
            total = try rows.first?.decode(column: "n", as: Int.self) ?? 0
        }
        let best = matches.prefix(ranked).sorted { ($0.score, $1.key) < ($1.score, $0.key) }
        let ordered = best + matches.dropFirst(ranked)
        guard skip < ordered.count else { return ([], total) }
        let page = ordered[skip..<min(skip + limit, ordered.count)].map(\.key)
        let hits = try await read(page, ownerID: ownerID, on: db)
        return (page.compactMap { hits[$0] }, total)
    }

    /// The entries `keys` of the owner's, with their message or title.
    private static func read(_ keys: [Int64], ownerID: UUID, on db: any SQLDatabase) async throws -> [Int64: SearchHit] {
        typealias M = MessageStore.Column
        typealias C = ConversationStore.Column
        let rows = try await db.raw("""
            SELECT e.\(ident: Column.key) AS k, e.\(ident: Column.conversationID) AS cid, e.\(ident: Column.messageID) AS mid,
                c.\(ident: C.title) AS title, c.\(ident: C.createdAt) AS conversation_created, m.\(ident: M.role) AS role,
                m.\(ident: M.createdAt) AS created, m.\(ident: M.content) AS text
            FROM \(ident: table) e
            JOIN \(ident: ConversationStore.table) c ON c.\(ident: C.id) = e.\(ident: Column.conversationID)
            LEFT JOIN \(ident: MessageStore.table) m ON m.\(ident: M.id) = e.\(ident: Column.messageID)
            WHERE e.\(ident: Column.key) IN \(SQLBind.group(keys)) AND e.\(ident: Column.userID) = \(bind: ownerID)
            """).all()
        var hits: [Int64: SearchHit] = [:]
        for row in rows {
            let messageID: String? = try row.decodeOptional("mid")
            let title = try row.decode(column: "title", as: String.self)
            let conversationCreated: Date = try row.decodeOptional("conversation_created") ?? Date(timeIntervalSince1970: 0)
            hits[try row.decode(column: "k", as: Int64.self)] = SearchHit(
                conversationID: try row.decodeID("cid"), conversationTitle: title,
                messageID: messageID.flatMap(UUID.init(canonicalText:)),
                role: try row.decodeOptional("role", as: MessageRole.self),
                createdAt: try row.decodeOptional("created") ?? conversationCreated,
                text: messageID == nil ? title : (try row.decodeOptional("text") ?? ""))
        }
        return hits
    }

    /// SQLite: how many entries match, when more do than a page's read returned.
    private static func count(_ query: SearchQuery, ownerID: UUID, on db: any SQLDatabase) async throws -> Int {
        try await db.raw("""
            SELECT COUNT(*) AS n FROM \(ident: wordsTable) WHERE \(ident: wordsTable) MATCH \(bind: matchExpression(query, owner: ownerID))
            """).first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// An FTS5 query built from parsed terms only: every word a quoted string with the owner's
    /// prefix (see `SearchIndex.term`), so no input is ever read as FTS5 syntax and only the
    /// owner's words can match. `body : ((required) NOT (excluded))`.
    static func matchExpression(_ query: SearchQuery, owner: UUID) -> String {
        let prefix = ownerWord(owner)
        func fts(_ term: SearchQuery.Term) -> String {
            let quoted = term.words.map { "\"" + Self.term($0, owner: prefix).replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
            return "(" + quoted.joined(separator: " + ") + (term.isPrefix ? "*" : "") + ")"
        }
        var body = "(" + query.required.map(fts).joined(separator: " AND ") + ")"
        if !query.excluded.isEmpty { body += " NOT (" + query.excluded.map(fts).joined(separator: " OR ") + ")" }
        return "body : (\(body))"
    }

    /// A tsquery literal built from parsed terms only (its input syntax, no text-search parser),
    /// every word with the owner's prefix.
    static func tsqueryExpression(_ query: SearchQuery, owner: UUID) -> String {
        let prefix = ownerWord(owner)
        func ts(_ term: SearchQuery.Term) -> String {
            let lexemes = term.words.map { quoteLexeme(Self.term($0, owner: prefix)) + (term.isPrefix ? ":*" : "") }
            return "(" + lexemes.joined(separator: " <-> ") + ")"
        }
        var parts = query.required.map(ts)
        if !query.excluded.isEmpty { parts.append("!(" + query.excluded.map(ts).joined(separator: " | ") + ")") }
        return parts.joined(separator: " & ")
    }
}
