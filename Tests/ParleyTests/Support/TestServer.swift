import AsyncHTTPClient
import Fluent
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import Vapor
@testable import Parley

let testSecret = "test-secret-key-that-is-at-least-32-bytes-long"
let testAdmin = (email: "admin@example.com", password: "admin-password-1")

/// Runs `test` against a real Parley server on 127.0.0.1 with its own database, talking HTTP.
func withServer(
    _ adjust: (inout Settings) -> Void = { _ in },
    _ test: (TestServer) async throws -> Void
) async throws {
    try await withReplicas(1, adjust) { try await test($0[0]) }
}

/// Runs `test` against `count` Parley processes sharing one database (replicas, on PostgreSQL).
func withReplicas(
    _ count: Int,
    _ adjust: (inout Settings) -> Void = { _ in },
    _ test: ([TestServer]) async throws -> Void
) async throws {
    let database = try await TestDatabase.make()
    var settings = try Settings.load(from: [
        "DATABASE_URL": database.url, "SECRET_KEY": testSecret,
        "LOG_LEVEL": ProcessInfo.processInfo.environment["PARLEY_TEST_LOG_LEVEL"] ?? "critical",
        "FIRST_SUPERUSER": testAdmin.email, "FIRST_SUPERUSER_PASSWORD": testAdmin.password,
    ])
    settings.passwordHashCost = 4
    settings.databaseWaitSeconds = 30 // every suite starts its servers at once on one cluster
    adjust(&settings)

    var apps: [Application] = []
    func stopAll() async {
        for app in apps { await app.server.shutdown() }
        for app in apps { try? await app.asyncShutdown() }
    }
    do {
        var servers: [TestServer] = []
        for _ in 0..<count {
            let app = try await Application.make(.testing)
            apps.append(app)
            try await configure(app, settings: settings)
            try await prepareDatabase(app)
            try await app.asyncBoot()
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            let port = try #require(app.http.server.shared.localAddress?.port)
            servers.append(TestServer(app: app, base: "http://127.0.0.1:\(port)"))
        }
        try await test(servers)
    } catch {
        await stopAll()
        await database.drop()
        throw error
    }
    await stopAll()
    await database.drop()
}

extension Settings {
    /// `load(from:)` with the tests' `SECRET_KEY` unless `env` names one, so that reading
    /// settings leaves no `data/secret.key` behind in the package folder.
    static func loadForTests(_ env: [String: String]) throws -> Settings {
        try load(from: env.merging(["SECRET_KEY": testSecret]) { given, _ in given })
    }
}

struct TestServer: Sendable {
    let app: Application
    let base: String

    var db: any Database { app.db }

    @discardableResult
    func send(
        _ method: HTTPMethod, _ path: String, token: String? = nil, json: Any? = nil,
        body: String? = nil, headers: [(String, String)] = []
    ) async throws -> TestResponse {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: json, options: [.fragmentsAllowed])))
        } else if let body {
            request.body = .bytes(ByteBuffer(string: body))
        }
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 16 * 1024 * 1024)
        return TestResponse(status: response.status, headers: response.headers, body: Data(buffer: bytes))
    }

    /// Signs up `email` and returns a token for it.
    func user(_ email: String, password: String = "password123") async throws -> String {
        let signup = try await send(.POST, "/api/v1/users/signup", json: ["email": email, "password": password])
        #expect(signup.status == .created, "signup \(email): \(signup.text)")
        return try await token(email, password: password)
    }

    func token(_ email: String, password: String = "password123") async throws -> String {
        let login = try await send(.POST, "/token", json: ["username": email, "password": password])
        #expect(login.status == .ok, "login \(email): \(login.text)")
        return try #require(login.object["access_token"] as? String)
    }

    func adminToken() async throws -> String {
        try await token(testAdmin.email, password: testAdmin.password)
    }
}

struct TestResponse: Sendable {
    let status: HTTPResponseStatus
    let headers: HTTPHeaders
    let body: Data

    var text: String { String(decoding: body, as: UTF8.self) }
    var json: Any? { try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) }
    var object: [String: Any] { json as? [String: Any] ?? [:] }
    var array: [[String: Any]] { json as? [[String: Any]] ?? [] }
    var detail: String? { object["detail"] as? String }

    /// The first validation issue's location and type, from a FastAPI-shaped 422.
    var firstIssue: (loc: [String], type: String)? {
        guard let issues = object["detail"] as? [[String: Any]], let first = issues.first,
              let loc = first["loc"] as? [Any], let type = first["type"] as? String, first["msg"] is String
        else { return nil }
        return (loc.map { "\($0)" }, type)
    }
}
