import FluentPostgresDriver
import FluentSQLiteDriver
import SQLKit
import Vapor

enum DatabaseSetup {
    static func register(_ location: DatabaseLocation, on app: Application) throws {
        switch location {
        case .sqliteMemory:
            app.databases.use(.sqlite(.memory), as: .sqlite)
        case let .sqliteFile(path):
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            app.databases.use(.sqlite(.file(path)), as: .sqlite)
        case let .postgres(url):
            let configuration: SQLPostgresConfiguration
            do {
                configuration = try SQLPostgresConfiguration(url: url)
            } catch {
                throw SettingsError(variable: "DATABASE_URL", problem: "not a PostgreSQL URL this driver can use")
            }
            app.databases.use(.postgres(configuration: configuration), as: .psql)
        }
        app.migrations.add(CreateUsers(), CreateConversations(), CreateMessages(), CreateIdempotencyKeys())
    }

    /// WAL lets readers proceed during a write; the busy timeout makes a writer wait for the lock
    /// (sleeping, not spinning) instead of failing with "database is locked". The timeout is per
    /// connection, and the SQLite driver keeps one connection per event loop, so each gets it here.
    static func tuneSQLite(_ location: DatabaseLocation, on app: Application) async throws {
        guard case .sqliteFile = location else { return }
        for eventLoop in app.eventLoopGroup.makeIterator() {
            let db = app.databases.database(logger: app.logger, on: eventLoop)! as! any SQLDatabase
            try await db.raw("PRAGMA busy_timeout = 10000").run()
            try await db.raw("PRAGMA journal_mode = WAL").run()
            try await db.raw("PRAGMA synchronous = NORMAL").run()
        }
    }
}
