import Fluent
import SQLKit

struct CreateAuditLog: AsyncMigration {
    func prepare(on database: any Database) async throws {
        typealias Column = AuditStore.Column
        try await database.schema(AuditStore.table)
            .id()
            .field(.string(Column.at), .datetime, .required)
            .field(.string(Column.actorID), .uuid)
            .field(.string(Column.action), .string, .required)
            .field(.string(Column.target), .string)
            .field(.string(Column.ip), .string)
            .field(.string(Column.requestID), .string)
            .create()
        // Newest first, and the prune's range.
        try await database.sql.create(index: "audit_log_at_idx").on(AuditStore.table).column(Column.at).run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(AuditStore.table).delete()
    }
}
