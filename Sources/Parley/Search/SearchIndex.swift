import Foundation
import SQLKit

/// The search index: one `search_entries` row per findable message or conversation title, with
/// its words as `SearchText` folds them. On SQLite the words live in the FTS5 table
/// `search_words` (contentless, rowid = the entry's key); on PostgreSQL in the entry's `terms`
/// tsvector under a GIN index. Each entry also carries its owner as a word of its own (SQLite:
/// the `owner` column; PostgreSQL: a weight-A lexeme), so a search reads only the caller's
/// postings, whatever other users hold.
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

    static func isSQLite(_ db: any SQLDatabase) -> Bool { db.dialect.name == "sqlite" }

    /// The word that stands for a user in the index (no query word can produce it: query words
    /// are only searched in the body, see `matchExpression`).
    static func ownerWord(_ userID: UUID) -> String {
        "u" + userID.lowercasedString.replacingOccurrences(of: "-", with: "")
    }

    /// (Re)indexes these messages from their stored text; messages still `streaming` are skipped
    /// (a reply is indexed when it ends).
    static func indexMessages(_ ids: [UUID], on db: any SQLDatabase) async throws {
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
        for row in rows {
            try await insert(userID: row.decodeID("uid"), conversationID: row.decodeID("cid"), messageID: row.decodeID("mid"),
                             text: row.decode(column: "text", as: String.self), on: db)
        }
    }

    /// (Re)indexes a conversation's title. The default title is not indexed: "new" would find
    /// every conversation not yet named.
    static func indexTitle(of conversationID: UUID, on db: any SQLDatabase) async throws {
        try await db.delete(from: table).where(Column.conversationID, .equal, conversationID)
            .where(SQLColumn(Column.messageID), .is, SQLLiteral.null).run()
        guard let row = try await db.select().columns(ConversationStore.Column.userID, ConversationStore.Column.title)
            .from(ConversationStore.table).where(ConversationStore.Column.id, .equal, conversationID).first()
        else { return }
        let title = try row.decode(column: ConversationStore.Column.title, as: String.self)
        guard title != ConversationRow.defaultTitle else { return }
        try await insert(userID: row.decodeID(ConversationStore.Column.userID), conversationID: conversationID, messageID: nil,
                         text: title, on: db)
    }

    /// Indexes a title just given, from the text in hand (nothing of the conversation's was indexed
    /// under its default title).
    static func indexNewTitle(_ title: String, of conversationID: UUID, ownerID: UUID, on db: any SQLDatabase) async throws {
        guard title != ConversationRow.defaultTitle else { return }
        try await insert(userID: ownerID, conversationID: conversationID, messageID: nil, text: title, on: db)
    }

    /// Indexes a message just stored (or a reply just ended), from the text in hand: nothing of it
    /// is in the index yet, so there is nothing to delete or read back.
    static func indexMessage(ownerID: UUID, conversationID: UUID, messageID: UUID, text: String, on db: any SQLDatabase) async throws {
        try await insert(userID: ownerID, conversationID: conversationID, messageID: messageID, text: text, on: db)
    }

    private static func insert(userID: UUID, conversationID: UUID, messageID: UUID?, text: String, on db: any SQLDatabase) async throws {
        let words = SearchText.words(in: text).map(\.folded)
        guard !words.isEmpty else { return }
        if isSQLite(db) {
            guard let key = try await db.insert(into: table)
                .columns(Column.userID, Column.conversationID, Column.messageID)
                .values(SQLBind(userID), SQLBind(conversationID), SQLBind(messageID))
                .returning(Column.key).first(decodingColumn: Column.key, as: Int64.self)
            else { return }
            try await db.raw("""
                INSERT INTO \(ident: wordsTable) (rowid, owner, body) VALUES (\(bind: key), \(bind: ownerWord(userID)), \(bind: words.joined(separator: " ")))
                """).run()
        } else {
            try await db.raw("""
                INSERT INTO \(ident: table) (\(ident: Column.userID), \(ident: Column.conversationID), \(ident: Column.messageID), \(ident: Column.terms))
                VALUES (\(bind: userID), \(bind: conversationID), \(bind: messageID), CAST(\(bind: tsvector(owner: userID, words: words)) AS tsvector))
                """).run()
        }
    }

    /// A tsvector literal: the owner's word at position 1 with weight A, then each word with its
    /// positions (PostgreSQL keeps at most 256 per lexeme and none past 16383).
    static func tsvector(owner: UUID, words: [String]) -> String {
        var positions: [String: [Int]] = [:]
        var order: [String] = []
        for (index, word) in words.enumerated() {
            let position = min(index + 2, 16383)
            if positions[word] == nil { order.append(word) }
            if positions[word, default: []].count < 256 { positions[word, default: []].append(position) }
        }
        var parts = ["'\(ownerWord(owner))':1A"]
        for word in order {
            parts.append(quoteLexeme(word) + ":" + positions[word]!.map(String.init).joined(separator: ","))
        }
        return parts.joined(separator: " ")
    }

    static func quoteLexeme(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''") + "'"
    }
}
