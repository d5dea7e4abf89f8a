import Foundation
import Testing
@testable import Parley

/// The request log line says what was asked, of whom, and how it went, and a request cannot
/// write a line of its own into the log.
@Suite struct RequestLogTests {
    @Test func aPercentEncodedNewlineCannotForgeALine() async throws {
        try await withServer { server in
            let log = LogCapture()
            server.app.logger = log.logger
            _ = try await server.send(.GET, "/%0aFAKE%0d%0aLINE%E2%80%A8x")
            let lines = log.messages.filter { $0.contains("FAKE") }
            #expect(!lines.isEmpty)
            #expect(lines.allSatisfy { !$0.contains("\n") && !$0.contains("\r") && !$0.contains("\u{2028}") }, "\(lines)")
        }
    }

    @Test func theLineHasMethodPathStatusAndClient() async throws {
        try await withServer({ $0.trustedProxies = [IPNetwork("127.0.0.1")!] }) { server in
            let log = LogCapture()
            server.app.logger = log.logger
            _ = try await server.send(.GET, "/no/such/path", headers: [("X-Forwarded-For", "198.51.100.9")])
            #expect(log.messages.contains { $0.hasPrefix("GET /no/such/path 404 ") && $0.hasSuffix("client=198.51.100.9") }, "\(log.messages)")
        }
    }

    @Test(arguments: [
        ("plain /path", "plain /path"),
        ("a\nb\rc\u{7F}d\u{85}e\u{2028}f", "a\\u{a}b\\u{d}c\\u{7f}d\\u{85}e\\u{2028}f"),
        ("back\\u{a}slash", "back\\\\u{a}slash"),
    ])
    func escaping(raw: String, escaped: String) {
        #expect(LogText.escaped(raw) == escaped)
    }
}
