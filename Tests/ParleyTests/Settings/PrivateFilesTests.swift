import Foundation
import Testing
@testable import Parley

/// The signing key and the SQLite database are readable by Parley's user only, from the moment
/// they exist.
@Suite struct PrivateFilesTests {
    private func freshFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("parley-private-\(UUID().uuidString)")
    }

    private func mode(_ path: String) throws -> Int? {
        try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
    }

    /// The settings of a server started without `SECRET_KEY`, keeping its key in `dataDirectory`.
    private func settings(dataDirectory: String) throws -> Settings {
        try Settings.load(from: [:], dataDirectory: dataDirectory)
    }

    @Test func theDataFolderIsCreatedPrivate() throws {
        let folder = freshFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appendingPathComponent("data").path
        _ = try settings(dataDirectory: data)
        #expect(try mode(data) == 0o700)
        #expect(try mode(data + "/secret.key") == 0o600)
    }

    @Test func aKeyFileOthersCanReadIsRefused() throws {
        let folder = freshFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("secret.key").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data(String(repeating: "k", count: 64).utf8)))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)

        let error = #expect(throws: SettingsError.self) { try settings(dataDirectory: folder.path) }
        #expect(error?.variable == "SECRET_KEY")
        #expect(error?.problem.contains("readable by others (mode 644)") == true)
    }

    @Test func processesStartingTogetherShareOneKey() async throws {
        let folder = freshFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let keys = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<16 { group.addTask { try Settings.load(from: [:], dataDirectory: folder.path).secretKey } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(keys.count == 1)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(leftovers == ["secret.key"])
    }

    @Test func aShortSecretKeyOutsideProductionStartsWithAWarning() throws {
        let folder = freshFolder()
        let settings = try Settings.load(from: ["SECRET_KEY": "short", "DATABASE_URL": "sqlite://:memory:"], dataDirectory: folder.path)
        #expect(settings.secretKey == "short")
        #expect(!FileManager.default.fileExists(atPath: folder.path), "a configured key is not kept")
        // What `configure` logs; a debug build cannot start with it (JWTKit asserts on short keys).
        let log = LogCapture()
        SecretKeyStore.warnIfShort(settings.secretKey, logger: log.logger)
        #expect(log.all.contains { $0.level == .warning && $0.message.contains("SECRET_KEY is shorter than 32 bytes") })
        let quiet = LogCapture()
        SecretKeyStore.warnIfShort(testSecret, logger: quiet.logger)
        #expect(quiet.all.isEmpty)
    }

    @Test(.disabled(if: TestDatabase.usesPostgres, "SQLite only"))
    func theSQLiteDatabaseAndItsJournalArePrivate() async throws {
        let folder = freshFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("db/parley.sqlite").path
        try await withServer({ $0.database = .sqliteFile(path: path) }) { server in
            _ = try await server.user("ann@example.com")
            #expect(try mode(folder.appendingPathComponent("db").path) == 0o700)
            for file in [path, path + "-wal", path + "-shm"] {
                #expect(try mode(file) == 0o600, "\(file)")
            }
        }
    }
}
