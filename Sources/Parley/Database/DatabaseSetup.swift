import FluentPostgresDriver
import FluentSQLiteDriver
import SQLKit
import Vapor

enum DatabaseSetup {
    /// Registers the database and its migrations; returns what `/metrics` reports of its pool.
    static func register(_ location: DatabaseLocation, poolSize: Int, wait: Double, on app: Application) throws -> DatabasePoolActivity {
        let eventLoopCount = Array(app.eventLoopGroup.makeIterator()).count
        // Fluent's PostgreSQL pool is per event loop; the SQLite driver always keeps one per loop.
        let postgresConnectionsPerEventLoop = max(1, (poolSize + eventLoopCount - 1) / eventLoopCount)
        let activity = DatabasePoolActivity(
            connectionsPerEventLoop: location.isSQLite ? 1 : postgresConnectionsPerEventLoop,
            eventLoopCount: eventLoopCount)
        func use(_ factory: DatabaseConfigurationFactory, as id: DatabaseID) {
            app.databases.use(MeteredDatabaseConfiguration(base: factory.make(), activity: activity), as: id)
        }
        // Statements are logged with their bound values (emails, hashes, messages): only at trace.
        switch location {
        case .sqliteMemory:
            use(.sqlite(.memory, sqlLogLevel: .trace), as: .sqlite)
        case let .sqliteFile(path):
            // SQLite gives the -wal and -shm files the database file's own mode, so creating the
            // file 0600 before the driver opens it keeps all three private.
            do {
                let folder = (path as NSString).deletingLastPathComponent
                if !folder.isEmpty { try PrivateFiles.createDirectory(folder) }
                try PrivateFiles.createIfAbsent(path)
            } catch let failure as PrivateFiles.Failure {
                throw SettingsError(variable: "DATABASE_URL", problem: "\(failure)")
            }
            if let mode = try? PrivateFiles.mode(of: path), mode & PrivateFiles.groupAndOtherBits != 0 {
                app.logger.warning("\(path) is readable by others (mode \(String(mode, radix: 8))); chmod 600 it and its -wal and -shm files")
            }
            use(.sqlite(.file(path), sqlLogLevel: .trace), as: .sqlite)
        case let .postgres(url):
            let configuration: SQLPostgresConfiguration
            do {
                configuration = try SQLPostgresConfiguration(url: url)
            } catch {
                throw SettingsError(variable: "DATABASE_URL", problem: "not a PostgreSQL URL this driver can use")
            }
            use(.postgres(configuration: configuration, maxConnectionsPerEventLoop: postgresConnectionsPerEventLoop,
                          connectionPoolTimeout: .milliseconds(Int64(wait * 1000)), sqlLogLevel: .trace), as: .psql)
        }
        app.migrations.add(
            CreateUsers(), CreateConversations(), CreateMessages(), CreateIdempotencyKeys(), UpdateUsersAddTokenVersion(),
            UpdateUsersCanonicalEmails(), UpdateMessagesAddBranches(), UpdateIdempotencyKeysAddMessage(),
            CreateAPIKeys(), CreateAuditLog(), CreateTokenUsage(), UpdateConversationsAddModel(),
            CreateSearchIndex(), UpdateSearchEntriesOwnerTerms(), UpdateConversationsPageIndex())
        return activity
    }

    /// WAL lets readers proceed during a write; the busy timeout makes a writer wait for the lock
    /// (sleeping, not spinning) instead of failing with "database is locked". The timeout is per
    /// connection, and the SQLite driver keeps one connection per event loop, so each gets it here.
    /// A file the server cannot write stops start-up here, naming it, rather than every sign-up
    /// and chat failing later.
    static func tuneSQLite(_ location: DatabaseLocation, on app: Application) async throws {
        guard case let .sqliteFile(path) = location else { return }
        do {
            for eventLoop in app.eventLoopGroup.makeIterator() {
                let db = app.databases.database(logger: app.logger, on: eventLoop)! as! any SQLDatabase
                try await db.raw("PRAGMA busy_timeout = 10000").run()
                try await db.raw("PRAGMA journal_mode = WAL").run()
                try await db.raw("PRAGMA synchronous = NORMAL").run()
                try await db.raw("BEGIN IMMEDIATE").run()
                try await db.raw("ROLLBACK").run()
            }
        } catch {
            throw SettingsError(variable: "DATABASE_URL", problem: "cannot open \(path) for writing: \(error)")
        }
    }
}
