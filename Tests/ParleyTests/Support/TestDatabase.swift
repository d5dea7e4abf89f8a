import FluentPostgresDriver
import Foundation
import Logging
@testable import Parley

/// A database of its own for one test: a SQLite file in a temporary folder, or, when
/// `PARLEY_TEST_POSTGRES_URL` names a server, a fresh PostgreSQL database dropped afterwards.
struct TestDatabase {
    let url: String
    let folder: URL
    private let postgresAdminURL: String?
    private let postgresName: String?

    static var usesPostgres: Bool { ProcessInfo.processInfo.environment["PARLEY_TEST_POSTGRES_URL"] != nil }

    static func make() async throws -> TestDatabase {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("parley-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        guard let admin = ProcessInfo.processInfo.environment["PARLEY_TEST_POSTGRES_URL"] else {
            return TestDatabase(url: "sqlite://\(folder.path)/parley.sqlite", folder: folder, postgresAdminURL: nil, postgresName: nil)
        }
        let name = "parley_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await runAdmin(admin, "CREATE DATABASE \(name)")
        var components = URLComponents(string: admin)!
        components.path = "/" + name
        return TestDatabase(url: components.string!, folder: folder, postgresAdminURL: admin, postgresName: name)
    }

    func drop() async {
        try? FileManager.default.removeItem(at: folder)
        if let admin = postgresAdminURL, let name = postgresName {
            try? await Self.runAdmin(admin, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        }
    }

    private static func runAdmin(_ url: String, _ sql: String) async throws {
        let configuration = try SQLPostgresConfiguration(url: url)
        let connection = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration.coreConfiguration,
            id: 1, logger: Logger(label: "parley-tests"))
        defer { Task { try? await connection.close() } }
        try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "parley-tests"))
    }
}
