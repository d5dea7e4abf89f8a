import Foundation
import Fluent
import SQLKit

/// The search index (see `SearchIndex`), filled with every existing message and title.
struct CreateSearchIndex: AsyncMigration {
    typealias Column = SearchIndex.Column

    func prepare(on database: any Database) async throws {
        try await database.schema(SearchIndex.table)
            .field(.string(Column.key), .int64, .identifier(auto: true))
            .field(.string(Column.userID), .uuid, .required)
            .field(.string(Column.conversationID), .uuid, .required,
                   .references(ConversationStore.table, "id", onDelete: .cascade))
            .field(.string(Column.messageID), .uuid, .references(MessageStore.table, "id", onDelete: .cascade))
            .unique(on: .string(Column.messageID), name: "search_entries_message_id_key")
            .create()
        let sql = database.sql
        try await sql.create(index: "search_entries_conversation_id_idx").on(SearchIndex.table).column(Column.conversationID).run()
        let entries = SearchIndex.table, words = SearchIndex.wordsTable
        if SearchIndex.isSQLite(sql) {
            // Contentless: the words are not stored twice; `contentless_delete` lets the trigger
            // remove a row when its entry goes (with its message or conversation).
            try await sql.raw("""
                CREATE VIRTUAL TABLE \(ident: words) USING fts5(owner, body, content='', contentless_delete=1, \
                tokenize='unicode61 remove_diacritics 2')
                """).run()
            try await sql.raw("""
                CREATE TRIGGER search_entries_delete_words AFTER DELETE ON \(ident: entries) BEGIN
                    DELETE FROM \(ident: words) WHERE rowid = old.\(ident: Column.key);
                END
                """).run()
        } else {
            try await sql.raw("ALTER TABLE \(ident: entries) ADD COLUMN \(ident: Column.terms) tsvector NOT NULL").run()
            try await sql.raw("CREATE INDEX search_entries_terms_idx ON \(ident: entries) USING GIN (\(ident: Column.terms))").run()
        }
        try await indexExisting(on: sql)
    }

    /// Every complete message and every title, a batch at a time so memory stays flat.
    private func indexExisting(on sql: any SQLDatabase) async throws {
        typealias M = MessageStore.Column
        var after: UUID?
        while true {
            var query = sql.select().column(M.id).from(MessageStore.table)
            if let after { query = query.where(SQLColumn(M.id), .greaterThan, SQLBind(after)) }
            let ids = try await query.orderBy(M.id).limit(500).all().map { try $0.decodeID(M.id) }
            guard let last = ids.last else { break }
            try await SearchIndex.indexMessages(ids, on: sql)
            after = last
        }
        after = nil
        while true {
            var query = sql.select().column(ConversationStore.Column.id).from(ConversationStore.table)
            if let after { query = query.where(SQLColumn(ConversationStore.Column.id), .greaterThan, SQLBind(after)) }
            let ids = try await query.orderBy(ConversationStore.Column.id).limit(500).all().map { try $0.decodeID(ConversationStore.Column.id) }
            guard let last = ids.last else { break }
            for id in ids { try await SearchIndex.indexTitle(of: id, on: sql) }
            after = last
        }
    }

    func revert(on database: any Database) async throws {
        if SearchIndex.isSQLite(database.sql) {
            try await database.sql.raw("DROP TABLE IF EXISTS \(ident: SearchIndex.wordsTable)").run()
        }
        try await database.schema(SearchIndex.table).delete()
    }
}
