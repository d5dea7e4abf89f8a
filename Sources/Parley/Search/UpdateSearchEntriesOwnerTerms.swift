import Fluent
import SQLKit

/// Rewrites the search index in the `perOwner` format: every word stored with its owner's prefix,
/// so that a search reads only the caller's postings (see `SearchIndex`). The index is rebuilt
/// from the messages and titles, as `CreateSearchIndex` first built it; the revert rebuilds it in
/// the `shared` format. On a large database this reads every message once (a batch at a time).
struct UpdateSearchEntriesOwnerTerms: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await Self.rebuild(.perOwner, on: database.sql)
    }

    func revert(on database: any Database) async throws {
        try await Self.rebuild(.shared, on: database.sql)
    }

    private static func rebuild(_ format: SearchIndex.Format, on sql: any SQLDatabase) async throws {
        if SearchIndex.isSQLite(sql) {
            // Dropping the words (and with them the trigger's work) is faster than deleting each.
            try await sql.raw("DROP TRIGGER IF EXISTS search_entries_delete_words").run()
            try await sql.raw("DROP TABLE \(ident: SearchIndex.wordsTable)").run()
            try await sql.delete(from: SearchIndex.table).run()
            try await CreateSearchIndex.createWords(on: sql)
        } else {
            try await sql.raw("TRUNCATE \(ident: SearchIndex.table)").run()
        }
        try await SearchIndex.indexAll(format: format, on: sql)
    }
}
