import FluentKit
import SQLKit
import Vapor

/// Stores speak SQL: both drivers Parley uses (SQLite, PostgreSQL) are SQL databases.
extension Database {
    var sql: any SQLDatabase { self as! any SQLDatabase }

    /// Runs `work` in one transaction, handing it the transaction's connection as SQL.
    func sqlTransaction<T: Sendable>(_ work: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await transaction { try await work($0.sql) }
    }
}

extension Request {
    var sql: any SQLDatabase { db.sql }
}

extension SQLRow {
    /// A column that may be NULL.
    func decodeOptional<T: Decodable>(_ column: String, as type: T.Type = T.self) throws -> T? {
        try decodeNil(column: column) ? nil : decode(column: column, as: T.self)
    }
}

extension Error {
    /// A unique or foreign-key constraint refused the write.
    var isConstraintFailure: Bool { (self as? any DatabaseError)?.isConstraintFailure == true }
}
