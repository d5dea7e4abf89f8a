import Foundation
import SQLKit

/// The search index: one `search_entries` row per findable message or conversation title, with
/// its words as `SearchText` folds them. On SQLite the words live in the FTS5 table
/// `search_words` (contentless, rowid = the entry's key); on PostgreSQL in the entry's `terms`
/// tsvector under a GIN index.
///
/// Every word is stored with its owner's word in front (`Format.perOwner`: "u1f…9ctea" for
/// "tea"), so each user's words are terms of their own: a search, a prefix's expansion and a
/// count read only the caller's postings, never those of everyone who wrote "the". (The first
/// format, `shared`, kept the owner as one more word beside plain words: a search for a common
/// word or prefix then read every user's postings of it.)
///
/// Entries are written in the transaction that stores or changes the text: a turn's messages
/// when it is accepted, a reply when it ends (it is not indexed while `streaming`), a title when
/// it is set. Deleting a message or a conversation deletes its entries (foreign keys, and on
/// SQLite a trigger for the FTS rows).
enum SearchIndex {
    static let table = "search_entries"
    static let wordsTable = "search_words"
    enum Column {
        static let key = "key", userID = "user_id", conversationID = "conversation_id", messageID = "message_id"
        static let terms = "terms"
    }

    /// How an entry's words are stored (see above); the migrations write either, searches read `perOwner`.
    enum Format: Sendable {
        case shared, perOwner
    }

    static func isSQLite(_ db: any SQLDatabase) -> Bool { db.dialect.name == "sqlite" }

    /// The word that stands for a user in the index: the prefix of each of their words, and in
    /// the `shared` format a word of its own (no query word can reach another user's: every query
    /// word gets the caller's prefix).
    static func ownerWord(_ userID: UUID) -> String {
        "u" + userID.lowercasedString.replacingOccurrences(of: "-", with: "")
    }

    /// A folded word as the index stores it for this owner.
    static func term(_ word: String, owner: String) -> String { owner + word }

    /// Indexes every complete message and every title that is not the default, a batch at a time
    /// so memory stays flat (for the migrations: the index is empty when this starts).
    static func indexAll(format: Format, on sql: any SQLDatabase) async throws {
        typealias M = MessageStore.Column
        var after: UUID?
        while true {
            var query = sql.select().column(M.id).from(MessageStore.table)
            if let after { query = query.where(SQLColumn(M.id), .greaterThan, SQLBind(after)) }
            let ids = try await query.orderBy(M.id).limit(500).all().map { try $0.decodeID(M.id) }
            guard let last = ids.last else { break }
            try await indexMessages(ids, format: format, on: sql)
            after = last
        }
        after = nil
        while true {
            var query = sql.select().column(ConversationStore.Column.id).from(ConversationStore.table)
            if let after { query = query.where(SQLColumn(ConversationStore.Column.id), .greaterThan, SQLBind(after)) }
            let ids = try await query.orderBy(ConversationStore.Column.id).limit(500).all().map { try $0.decodeID(ConversationStore.Column.id) }
            guard let last = ids.last else { break }
            for id in ids { try await indexTitle(of: id, format: format, on: sql) }
            after = last
        }
    }

    /// (Re)indexes these messages from their stored text; messages still `streaming` are skipped
    /// (a reply is indexed when it ends).
    static func indexMessages(_ ids: [UUID], format: Format = .perOwner, on db: any SQLDatabase) async throws {
        guard !ids.isEmpty else { return }
        typealias M = MessageStore.Column
        let messages = MessageStore.table, conversations = ConversationStore.table
        try await db.delete(from: table).where(SQLColumn(Column.messageID), .in, SQLBind.group(ids)).run()
        let rows = try await db.select()
            .column(SQLColumn(M.id, table: messages), as: "mid")
            .column(SQLColumn(M.conversationID, table: messages), as: "cid")
            .column(SQLColumn(M.content, table: messages), as: "text")
            .column(SQLColumn(ConversationStore.Column.userID, table: conversations), as: "uid")
            .from(messages)
            .join(conversations, on: SQLColumn(M.conversationID, table: messages), .equal, SQLColumn(ConversationStore.Column.id, table: conversations))
            .where(SQLColumn(M.id, table: messages), .in, SQLBind.group(ids))
            .where(SQLColumn(M.status, table: messages), .notEqual, SQLBind(MessageStatus.streaming.rawValue))
            .all()
        try await insert(rows.map {
            Entry(userID: try $0.decodeID("uid"), conversationID: try $0.decodeID("cid"), messageID: try $0.decodeID("mid"),
                  text: try $0.decode(column: "text", as: String.self))
        }, format: format, on: db)
    }

    /// (Re)indexes a conversation's title. The default title is not indexed: "new" would find
    /// every conversation not yet named.
    static func indexTitle(of conversationID: UUID, format: Format = .perOwner, on db: any SQLDatabase) async throws {
        try await db.delete(from: table).where(Column.conversationID, .equal, conversationID)
            .where(SQLColumn(Column.messageID), .is, SQLLiteral.null).run()
        guard let row = try await db.select().columns(ConversationStore.Column.userID, ConversationStore.Column.title)
            .from(ConversationStore.table).where(ConversationStore.Column.id, .equal, conversationID).first()
        else { return }
        let title = try row.decode(column: ConversationStore.Column.title, as: String.self)
        guard title != ConversationRow.defaultTitle else { return }
        try await insert([Entry(userID: row.decodeID(ConversationStore.Column.userID), conversationID: conversationID, messageID: nil,
                                text: title)], format: format, on: db)
    }

    /// Indexes messages just stored in one conversation (an import, a turn, a reply just ended),
    /// and the title just given to it if any, from the text in hand: nothing of them is in the
    /// index yet, so there is nothing to delete or read back. Two statements on SQLite, one on
    /// PostgreSQL, per `insertBatch` of them.
    static func indexMessages(ownerID: UUID, conversationID: UUID, _ messages: [(id: UUID, text: String)], newTitle: String? = nil,
                              on db: any SQLDatabase) async throws {
        var entries = messages.map { Entry(userID: ownerID, conversationID: conversationID, messageID: $0.id, text: $0.text) }
        if let newTitle, newTitle != ConversationRow.defaultTitle {
            entries.append(Entry(userID: ownerID, conversationID: conversationID, messageID: nil, text: newTitle))
        }
        try await insert(entries, on: db)
    }

    private struct Entry {
        var userID: UUID
        var conversationID: UUID
        /// nil for a conversation's title.
        var messageID: UUID?
        var text: String
    }

    /// Entries per statement (4 bound values each, well within both databases' limits).
    private static let insertBatch = 500

    private static func insert(_ entries: [Entry], format: Format = .perOwner, on db: any SQLDatabase) async throws {
        // What is stored for each entry: its words (prefixed with their owner's in `perOwner`).
        let indexed = entries.compactMap { entry -> (entry: Entry, words: [String])? in
            let words = SearchText.words(in: entry.text).map(\.folded)
            guard !words.isEmpty else { return nil }
            let owner = ownerWord(entry.userID)
            return (entry, format == .shared ? words : words.map { term($0, owner: owner) })
        }
        var start = 0
        while start < indexed.count {
            let batch = indexed[start..<min(start + insertBatch, indexed.count)]
            start += insertBatch
            if isSQLite(db) {
                // The keys come back with their message ids (RETURNING promises no order); a batch
                // holds at most one title (no message id).
                var insert = db.insert(into: table).columns(Column.userID, Column.conversationID, Column.messageID)
                for (entry, _) in batch {
                    insert = insert.values(SQLBind(entry.userID), SQLBind(entry.conversationID), SQLBind(entry.messageID))
                }
                var keys: [UUID?: Int64] = [:]
                for row in try await insert.returning(Column.key, Column.messageID).all() {
                    let message: String? = try row.decodeOptional(Column.messageID)
                    keys[message.flatMap(UUID.init(canonicalText:))] = try row.decode(column: Column.key, as: Int64.self)
                }
                let values = try batch.map { entry, words -> SQLQueryString in
                    guard let key = keys[entry.messageID] else { throw KeyNotReturned() }
                    return "(\(bind: key), \(bind: ownerWord(entry.userID)), \(bind: words.joined(separator: " ")))"
                }
                try await db.raw("INSERT INTO \(ident: wordsTable) (rowid, owner, body) VALUES \(SQLList(values))").run()
            } else {
                let values = batch.map { entry, words -> SQLQueryString in
                    let terms = tsvector(owner: entry.userID, words: words, format: format)
                    return "(\(bind: entry.userID), \(bind: entry.conversationID), \(bind: entry.messageID), CAST(\(bind: terms) AS tsvector))"
                }
                try await db.raw("""
                    INSERT INTO \(ident: table) (\(ident: Column.userID), \(ident: Column.conversationID), \(ident: Column.messageID), \(ident: Column.terms))
                    VALUES \(SQLList(values))
                    """).run()
            }
        }
    }

    private struct KeyNotReturned: Error {}

    /// A tsvector literal of `words` (as stored: with their owner's prefix in the `perOwner`
    /// format), each with its positions (PostgreSQL keeps at most 256 per lexeme and none past
    /// 16383); in the `shared` format the owner's word comes first, at position 1 with weight A.
    static func tsvector(owner: UUID, words: [String], format: Format = .perOwner) -> String {
        var positions: [String: [Int]] = [:]
        var order: [String] = []
        let first = format == .shared ? 2 : 1
        for (index, word) in words.enumerated() {
            let position = min(index + first, 16383)
            if positions[word] == nil { order.append(word) }
            if positions[word, default: []].count < 256 { positions[word, default: []].append(position) }
        }
        var parts = format == .shared ? ["'\(ownerWord(owner))':1A"] : []
        for word in order {
            parts.append(quoteLexeme(word) + ":" + positions[word]!.map(String.init).joined(separator: ","))
        }
        return parts.joined(separator: " ")
    }

    static func quoteLexeme(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''") + "'"
    }
}
