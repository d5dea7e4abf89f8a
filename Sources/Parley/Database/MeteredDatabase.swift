import FluentKit
import SQLKit

/// A driver configuration whose databases report their work to a `DatabasePoolActivity`.
struct MeteredDatabaseConfiguration: DatabaseConfiguration {
    var base: any DatabaseConfiguration
    let activity: DatabasePoolActivity

    var middleware: [any AnyModelMiddleware] {
        get { base.middleware }
        set { base.middleware = newValue }
    }

    func makeDriver(for databases: Databases) -> any DatabaseDriver {
        MeteredDatabaseDriver(base: base.makeDriver(for: databases), activity: activity)
    }
}

struct MeteredDatabaseDriver: DatabaseDriver {
    let base: any DatabaseDriver
    let activity: DatabasePoolActivity

    func makeDatabase(with context: DatabaseContext) -> any Database {
        MeteredDatabase(base: base.makeDatabase(with: context), activity: activity)
    }

    func shutdown() { base.shutdown() }
    func shutdownAsync() async { await base.shutdownAsync() }
}

/// Forwards everything to the pooled database it wraps, counting each operation while it holds a
/// connection. Work inside a transaction or `withConnection` runs on the connection already
/// counted, so it is handed the unwrapped connection.
struct MeteredDatabase: Database, SQLDatabase {
    let base: any Database
    let activity: DatabasePoolActivity

    private var sql: any SQLDatabase {
        // Both drivers Parley uses (SQLite, PostgreSQL) are SQL databases.
        base as! any SQLDatabase
    }

    private func metered<T>(_ work: () -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        let eventLoop = base.eventLoop
        activity.begin(on: eventLoop)
        return work().always { [activity] _ in activity.end(on: eventLoop) }
    }

    // MARK: Database

    var context: DatabaseContext { base.context }
    var inTransaction: Bool { base.inTransaction }

    func execute(query: DatabaseQuery, onOutput: @escaping @Sendable (any DatabaseOutput) -> ()) -> EventLoopFuture<Void> {
        metered { base.execute(query: query, onOutput: onOutput) }
    }

    func execute(schema: DatabaseSchema) -> EventLoopFuture<Void> {
        metered { base.execute(schema: schema) }
    }

    func execute(enum: DatabaseEnum) -> EventLoopFuture<Void> {
        metered { base.execute(enum: `enum`) }
    }

    func transaction<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        metered { base.transaction(closure) }
    }

    func withConnection<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        metered { base.withConnection(closure) }
    }

    // MARK: SQLDatabase

    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { sql.version }
    var dialect: any SQLDialect { sql.dialect }
    var queryLogLevel: Logger.Level? { sql.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        metered { sql.execute(sql: query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        activity.begin(on: eventLoop)
        defer { activity.end(on: eventLoop) }
        try await sql.execute(sql: query, onRow)
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        activity.begin(on: eventLoop)
        defer { activity.end(on: eventLoop) }
        return try await sql.withSession(closure)
    }
}
