import Foundation
import Testing
@testable import Parley
#if canImport(Glibc)
import Glibc
#endif

/// A connection that goes quiet, before or in the middle of a request, is closed by the server
/// instead of holding a socket for ever.
@Suite struct IdleConnectionTests {
    /// Connects, sends `bytes`, then waits (up to 5 s) for the server to close; returns how long
    /// that took, or nil when the connection was still open.
    private static func secondsUntilClosed(port: Int, sending bytes: String) -> Double? {
        withLoopbackSocket(port: port, readTimeout: 5) { socket in
            if !bytes.isEmpty { _ = bytes.withCString { send(socket, $0, strlen($0), 0) } }
            let started = Date()
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = recv(socket, &buffer, buffer.count, 0)
                if count == 0 { return Date().timeIntervalSince(started) }  // closed by the server
                if count < 0 { return errno == EAGAIN || errno == EWOULDBLOCK ? nil : Date().timeIntervalSince(started) }
            }
        }
    }

    @Test(arguments: ["", "POST /token HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nContent-Type: application/json\r\n\r\n{\"user", "GET /health HTTP/1.1\r\nHo"])
    func aQuietConnectionIsClosed(sending bytes: String) async throws {
        try await withServer({ $0.httpIdleTimeoutSeconds = 0.5 }) { server in
            let port = try #require(URLComponents(string: server.base)?.port)
            let seconds = await Task.detached { Self.secondsUntilClosed(port: port, sending: bytes) }.value
            let closedAfter = try #require(seconds, "still open after 5 s")
            #expect(closedAfter < 2)
        }
    }

    @Test func theDefaultOutlastsTheLongestTurn() throws {
        let settings = try Settings.loadForTests(["LLM_MAX_TURN_SECONDS": "900"])
        #expect(settings.httpIdleTimeoutSeconds == 960)
        #expect(try Settings.loadForTests(["HTTP_IDLE_TIMEOUT_SECONDS": "75"]).httpIdleTimeoutSeconds == 75)
    }
}
