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

extension SQLDatabase {
    /// `SELECT COUNT(*)` of a table, or of its rows whose `column` holds `id`.
    func count(in table: String, where column: String? = nil, is id: UUID? = nil) async throws -> Int {
        var query = select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(table)
        if let column, let id { query = query.where(column, .equal, id) }
        return try await query.first(decodingColumn: "n", as: Int.self) ?? 0
    }
}

extension Request {
    var sql: any SQLDatabase { db.sql }
}

extension SQLRow {
    /// A UUID column. SQLite keeps UUIDs as text, which Foundation parses with `sscanf`; read as
    /// text and parsed by hand it costs a fraction (PostgreSQL hands its binary uuid over as text too).
    func decodeID(_ column: String) throws -> UUID {
        let text = try decode(column: column, as: String.self)
        guard let id = UUID(canonicalText: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "\(column) is not a UUID"))
        }
        return id
    }

    /// A column that may be NULL.
    func decodeOptional<T: Decodable>(_ column: String, as type: T.Type = T.self) throws -> T? {
        try decodeNil(column: column) ? nil : decode(column: column, as: T.self)
    }
}

extension Error {
    /// A unique or foreign-key constraint refused the write.
    var isConstraintFailure: Bool { (self as? any DatabaseError)?.isConstraintFailure == true }
}
