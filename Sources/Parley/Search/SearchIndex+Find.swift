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
    /// The owner's entries matching `query`, best first (bm25 on SQLite, ts_rank on PostgreSQL;
    /// newest first among equals), and how many match in all. Ranking reads every match of the
    /// owner's, not the whole index.
    static func find(_ query: SearchQuery, ownerID: UUID, skip: Int, limit: Int, on db: any SQLDatabase) async throws -> (hits: [SearchHit], total: Int) {
        guard !query.isEmpty else { return ([], 0) }
        typealias M = MessageStore.Column
        typealias C = ConversationStore.Column
        let messages = MessageStore.table, conversations = ConversationStore.table
        let columns = SQLQueryString("""
            e.\(ident: Column.conversationID) AS cid, e.\(ident: Column.messageID) AS mid, c.\(ident: C.title) AS title,
            c.\(ident: C.createdAt) AS conversation_created, m.\(ident: M.role) AS role, m.\(ident: M.createdAt) AS created,
            m.\(ident: M.content) AS text, COUNT(*) OVER () AS total
            """)
        let joins = SQLQueryString("""
            JOIN \(ident: conversations) c ON c.\(ident: C.id) = e.\(ident: Column.conversationID)
            LEFT JOIN \(ident: messages) m ON m.\(ident: M.id) = e.\(ident: Column.messageID)
            """)
        let rows: [any SQLRow]
        if isSQLite(db) {
            // bm25() is refused in a SELECT that also has a window function: ranked in a subquery.
            rows = try await db.raw("""
                SELECT \(columns) FROM (
                    SELECT rowid AS k, bm25(\(ident: wordsTable)) AS score FROM \(ident: wordsTable)
                    WHERE \(ident: wordsTable) MATCH \(bind: matchExpression(query, owner: ownerID))) w
                JOIN \(ident: table) e ON e.\(ident: Column.key) = w.k
                \(joins)
                WHERE e.\(ident: Column.userID) = \(bind: ownerID)
                ORDER BY w.score, e.\(ident: Column.key) DESC
                LIMIT \(bind: limit) OFFSET \(bind: skip)
                """).all()
        } else {
            let tsquery = tsqueryExpression(query, owner: ownerID)
            rows = try await db.raw("""
                SELECT \(columns) FROM \(ident: table) e
                \(joins)
                WHERE e.\(ident: Column.terms) @@ CAST(\(bind: tsquery) AS tsquery)
                  AND e.\(ident: Column.userID) = \(bind: ownerID)
                ORDER BY ts_rank(e.\(ident: Column.terms), CAST(\(bind: tsquery) AS tsquery)) DESC, e.\(ident: Column.key) DESC
                LIMIT \(bind: limit) OFFSET \(bind: skip)
                """).all()
        }
        var total = 0
        let hits = try rows.map { row -> SearchHit in
            total = try row.decode(column: "total", as: Int.self)
            let messageID: String? = try row.decodeOptional("mid")
            let title = try row.decode(column: "title", as: String.self)
            let conversationCreated: Date = try row.decodeOptional("conversation_created") ?? Date(timeIntervalSince1970: 0)
            return SearchHit(
                conversationID: try row.decodeID("cid"), conversationTitle: title,
                messageID: messageID.flatMap(UUID.init(canonicalText:)),
                role: try row.decodeOptional("role", as: MessageRole.self),
                createdAt: try row.decodeOptional("created") ?? conversationCreated,
                text: messageID == nil ? title : (try row.decodeOptional("text") ?? ""))
        }
        if hits.isEmpty, skip > 0 {
            // Past the last page: the window function saw no row to count on.
            return ([], try await count(query, ownerID: ownerID, on: db))
        }
        return (hits, total)
    }

    private static func count(_ query: SearchQuery, ownerID: UUID, on db: any SQLDatabase) async throws -> Int {
        let row: (any SQLRow)?
        if isSQLite(db) {
            row = try await db.raw("""
                SELECT COUNT(*) AS n FROM \(ident: wordsTable) JOIN \(ident: table) e ON e.\(ident: Column.key) = \(ident: wordsTable).rowid
                WHERE \(ident: wordsTable) MATCH \(bind: matchExpression(query, owner: ownerID)) AND e.\(ident: Column.userID) = \(bind: ownerID)
                """).first()
        } else {
            row = try await db.raw("""
                SELECT COUNT(*) AS n FROM \(ident: table) e
                WHERE e.\(ident: Column.terms) @@ CAST(\(bind: tsqueryExpression(query, owner: ownerID)) AS tsquery)
                  AND e.\(ident: Column.userID) = \(bind: ownerID)
                """).first()
        }
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    /// An FTS5 query built from parsed terms only: every word a quoted string, so no input is
    /// ever read as FTS5 syntax. `owner : "u…" AND body : ((required) NOT (excluded))`.
    static func matchExpression(_ query: SearchQuery, owner: UUID) -> String {
        func fts(_ term: SearchQuery.Term) -> String {
            let quoted = term.words.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
            return "(" + quoted.joined(separator: " + ") + (term.isPrefix ? "*" : "") + ")"
        }
        var body = "(" + query.required.map(fts).joined(separator: " AND ") + ")"
        if !query.excluded.isEmpty { body += " NOT (" + query.excluded.map(fts).joined(separator: " OR ") + ")" }
        return "owner : \"\(ownerWord(owner))\" AND body : (\(body))"
    }

    /// A tsquery literal built from parsed terms only (its input syntax, no text-search parser):
    /// body words have weight D, the owner's word weight A.
    static func tsqueryExpression(_ query: SearchQuery, owner: UUID) -> String {
        func ts(_ term: SearchQuery.Term) -> String {
            let lexemes = term.words.map { quoteLexeme($0) + (term.isPrefix ? ":*D" : ":D") }
            return "(" + lexemes.joined(separator: " <-> ") + ")"
        }
        var parts = ["'\(ownerWord(owner))':A"] + query.required.map(ts)
        if !query.excluded.isEmpty { parts.append("!(" + query.excluded.map(ts).joined(separator: " | ") + ")") }
        return parts.joined(separator: " & ")
    }
}
