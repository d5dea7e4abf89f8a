import Foundation
import Fluent
import SQLKit

/// The search index (see `SearchIndex`), filled with every existing message and title in its
/// first, `shared` format (`UpdateSearchEntriesOwnerTerms` rewrites it).
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
        let entries = SearchIndex.table
        if SearchIndex.isSQLite(sql) {
            try await Self.createWords(on: sql)
        } else {
            try await sql.raw("ALTER TABLE \(ident: entries) ADD COLUMN \(ident: Column.terms) tsvector NOT NULL").run()
            try await sql.raw("CREATE INDEX search_entries_terms_idx ON \(ident: entries) USING GIN (\(ident: Column.terms))").run()
        }
        try await SearchIndex.indexAll(format: .shared, on: sql)
    }

    /// SQLite: the FTS5 table of the entries' words, and the trigger that deletes an entry's words
    /// with it. Contentless: the words are not stored twice; `contentless_delete` lets the trigger
    /// remove a row when its entry goes (with its message or conversation).
    static func createWords(on sql: any SQLDatabase) async throws {
        let entries = SearchIndex.table, words = SearchIndex.wordsTable
        try await sql.raw("""
            CREATE VIRTUAL TABLE \(ident: words) USING fts5(owner, body, content='', contentless_delete=1, \
            tokenize='unicode61 remove_diacritics 2')
            """).run()
        try await sql.raw("""
            CREATE TRIGGER search_entries_delete_words AFTER DELETE ON \(ident: entries) BEGIN
                DELETE FROM \(ident: words) WHERE rowid = old.\(ident: Column.key);
            END
            """).run()
    }

    func revert(on database: any Database) async throws {
        if SearchIndex.isSQLite(database.sql) {
            try await database.sql.raw("DROP TABLE IF EXISTS \(ident: SearchIndex.wordsTable)").run()
        }
        try await database.schema(SearchIndex.table).delete()
    }
}
