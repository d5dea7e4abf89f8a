import Foundation
import SQLKit

/// One audit entry: who did what to what, from where, under which request.
struct AuditEntry: Sendable {
    var id = UUID()
    var at = Date()
    var actorID: UUID?
    var action: String
    var target: String?
    var ip: String?
    var requestID: String?
}

/// The `audit_log` table. Append-only: this file has no UPDATE, and the only DELETE is the
/// retention prune. `actor_id` has no foreign key, so entries outlive the accounts they name.
enum AuditStore {
    static let table = "audit_log"
    enum Column {
        static let id = "id", at = "at", actorID = "actor_id", action = "action", target = "target"
        static let ip = "ip", requestID = "request_id"
    }
    private static let columns = [Column.id, Column.at, Column.actorID, Column.action, Column.target, Column.ip, Column.requestID]

    /// Written with `db` the transaction of the change it records, where there is one.
    static func append(_ entry: AuditEntry, on db: any SQLDatabase) async throws {
        try await db.insert(into: table).columns(columns)
            .values(entry.id, entry.at, entry.actorID, entry.action, entry.target, entry.ip, entry.requestID)
            .run()
    }

    /// Newest first.
    static func page(skip: Int, limit: Int, on db: any SQLDatabase) async throws -> [AuditEntry] {
        try await db.select().columns(columns).from(table)
            .orderBy(Column.at, .descending).orderBy(Column.id, .descending)
            .limit(limit).offset(skip)
            .all().map(row)
    }

    /// The entries after `last` in newest-first order.
    static func page(olderThan last: AuditEntry, limit: Int, on db: any SQLDatabase) async throws -> [AuditEntry] {
        try await db.select().columns(columns).from(table)
            .where(Column.at, .lessThan, last.at)
            .orWhere(group: { $0.where(Column.at, .equal, last.at).where(Column.id, .lessThan, last.id) })
            .orderBy(Column.at, .descending).orderBy(Column.id, .descending)
            .limit(limit)
            .all().map(row)
    }

    static func count(on db: any SQLDatabase) async throws -> Int {
        try await db.count(in: table)
    }

    /// Deletes entries older than `cutoff`; returns how many.
    static func prune(before cutoff: Date, on db: any SQLDatabase) async throws -> Int {
        try await db.delete(from: table).where(Column.at, .lessThan, cutoff).returning(Column.id).all().count
    }

    private static func row(_ row: any SQLRow) throws -> AuditEntry {
        AuditEntry(
            id: try row.decodeID(Column.id),
            at: try row.decode(column: Column.at, as: Date.self),
            actorID: (try row.decodeOptional(Column.actorID, as: String.self)).flatMap(UUID.init(canonicalText:)),
            action: try row.decode(column: Column.action, as: String.self),
            target: try row.decodeOptional(Column.target),
            ip: try row.decodeOptional(Column.ip),
            requestID: try row.decodeOptional(Column.requestID))
    }
}
