import Foundation
import Testing
@testable import Parley

/// Every response carries an `X-Request-ID`, and every log line of that request the same id.
@Suite struct RequestIDTests {
    @Test func everyResponseHasAnID() async throws {
        try await withServer { server in
            let responses = [
                try await server.send(.GET, "/health"),
                try await server.send(.GET, "/api/v1/users/me"),
                try await server.send(.GET, "/no/such/path"),
                try await server.send(.POST, "/token", body: "{not json", headers: [("Content-Type", "application/json")]),
            ]
            let ids = responses.compactMap { $0.headers.first(name: "X-Request-ID") }
            #expect(ids.count == responses.count)
            #expect(Set(ids).count == ids.count)
            #expect(ids.allSatisfy { UUID(uuidString: $0) != nil })
        }
    }

    @Test func aSaneIncomingIDIsKeptAndLogged() async throws {
        try await withServer { server in
            let log = LogCapture()
            server.app.logger = log.logger
            let response = try await server.send(.GET, "/no/such/path", headers: [("X-Request-ID", "proxy-7f3a.42")])
            #expect(response.headers.first(name: "X-Request-ID") == "proxy-7f3a.42")
            // Vapor's own trace of the raw request head is written before any request exists.
            let lines = log.all.filter { $0.level > .trace && $0.message.contains("/no/such/path") }
            #expect(!lines.isEmpty)
            #expect(lines.allSatisfy { $0.metadata["request-id"] == "proxy-7f3a.42" }, "\(lines)")
        }
    }

    @Test(arguments: [String(repeating: "a", count: 129), "two words", "caf\u{00E9}", "tab\there"])
    func anInsaneIncomingIDIsReplaced(incoming: String) async throws {
        try await withServer { server in
            let response = try await server.send(.GET, "/health", headers: [("X-Request-ID", incoming)])
            let id = try #require(response.headers.first(name: "X-Request-ID"))
            #expect(id != incoming)
            #expect(UUID(uuidString: id) != nil)
        }
    }
}
