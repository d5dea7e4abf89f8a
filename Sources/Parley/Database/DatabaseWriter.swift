import FluentKit
import SQLKit

/// Where background work (replies that outlive their request) writes: the application's
/// database, each transaction queued in the process on SQLite (see `WriteQueue`).
struct DatabaseWriter: Sendable {
    let database: @Sendable () -> any Database
    let queue: WriteQueue?

    var sql: any SQLDatabase { database().sql }

    /// Runs `work` in one transaction.
    func transaction<T: Sendable>(_ work: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await transaction(on: database(), work)
    }

    /// Runs `work` in one transaction on `db` (a request's database, so its logger is used).
    func transaction<T: Sendable>(on db: any Database, _ work: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        guard let queue else { return try await db.sqlTransaction(work) }
        return try await queue.run { try await db.sqlTransaction(work) }
    }
}
