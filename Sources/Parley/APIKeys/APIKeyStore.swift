import Foundation
import SQLKit

/// A row of `api_keys` (never the hash outside this file and the authenticator).
struct APIKeyRow: Sendable {
    var id: UUID
    var userID: UUID
    var name: String
    var prefix: String
    var secretHash: String
    var createdAt: Date
    var lastUsedAt: Date?
}

/// The `api_keys` table, in explicit SQL.
enum APIKeyStore {
    static let table = "api_keys"
    enum Column {
        static let id = "id", userID = "user_id", name = "name", prefix = "prefix", secretHash = "secret_hash"
        static let createdAt = "created_at", lastUsedAt = "last_used_at"
    }
    private static let columns = [Column.id, Column.userID, Column.name, Column.prefix, Column.secretHash, Column.createdAt, Column.lastUsedAt]

    static func insert(_ key: APIKeyRow, on db: any SQLDatabase) async throws {
        try await db.insert(into: table).columns(columns)
            .values(key.id, key.userID, key.name, key.prefix, key.secretHash, key.createdAt, key.lastUsedAt)
            .run()
    }

    /// The owner's keys, newest first.
    static func list(ownerID: UUID, on db: any SQLDatabase) async throws -> [APIKeyRow] {
        try await db.select().columns(columns).from(table).where(Column.userID, .equal, ownerID)
            .orderBy(Column.createdAt, .descending).orderBy(Column.id)
            .all().map(row)
    }

    static func count(ownerID: UUID, on db: any SQLDatabase) async throws -> Int {
        try await db.count(in: table, where: Column.userID, is: ownerID)
    }

    /// True when the owner had such a key.
    static func delete(_ id: UUID, ownerID: UUID, on db: any SQLDatabase) async throws -> Bool {
        try await db.delete(from: table).where(Column.id, .equal, id).where(Column.userID, .equal, ownerID)
            .returning(Column.id).first() != nil
    }

    /// The key with this prefix and its user, in one query: a request signed with a key costs
    /// the same one round trip as one signed with a token.
    static func findWithUser(prefix: String, on db: any SQLDatabase) async throws -> (keyID: UUID, hash: String, user: UserRow)? {
        var query: SQLQueryString = "SELECT k.\(ident: Column.id) AS key_id, k.\(ident: Column.secretHash) AS key_hash"
        for column in UserStore.columns { query += ", u.\(ident: column)" }
        query += """
             FROM \(ident: table) k JOIN \(ident: UserStore.table) u ON u.\(ident: UserStore.Column.id) = k.\(ident: Column.userID) \
            WHERE k.\(ident: Column.prefix) = \(bind: prefix)
            """
        guard let found = try await db.raw(query).first()
        else { return nil }
        return (try found.decodeID("key_id"), try found.decode(column: "key_hash", as: String.self), try UserStore.row(found))
    }

    static func touch(_ ids: [UUID], at when: Date, on db: any SQLDatabase) async throws {
        guard !ids.isEmpty else { return }
        try await db.update(table).set(Column.lastUsedAt, to: when).where(SQLColumn(Column.id), .in, SQLBind.group(ids)).run()
    }

    private static func row(_ row: any SQLRow) throws -> APIKeyRow {
        APIKeyRow(
            id: try row.decodeID(Column.id), userID: try row.decodeID(Column.userID),
            name: try row.decode(column: Column.name, as: String.self), prefix: try row.decode(column: Column.prefix, as: String.self),
            secretHash: try row.decode(column: Column.secretHash, as: String.self),
            createdAt: try row.decodeOptional(Column.createdAt) ?? Date(timeIntervalSince1970: 0),
            lastUsedAt: try row.decodeOptional(Column.lastUsedAt))
    }
}
