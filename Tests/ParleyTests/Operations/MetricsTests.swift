import Foundation
import Testing
import Vapor
@testable import Parley

@Suite struct MetricsTests {
    @Test func chatsAndTokensAreCounted() async throws {
        try await withChatServer { server, fake in
            let ann = try await server.user("ann@example.com")
            _ = try await server.send(.POST, "/api/chat", token: ann, json: ["messages": [["role": "user", "content": "Hi"]]])
            fake.then(.status(500, message: "no"))
            _ = try await server.send(.POST, "/api/chat", token: ann, json: ["messages": [["role": "user", "content": "Hi"]]])
            let metrics = try await server.send(.GET, "/metrics")
            #expect(metrics.status == .ok)
            #expect(metrics.headers.first(name: "Content-Type")?.hasPrefix("text/plain") == true)
            #expect(metrics.text.contains(#"parley_chat_requests_total{outcome="ok"} 1"#))
            #expect(metrics.text.contains(#"parley_chat_requests_total{outcome="provider_error"} 1"#))
            #expect(metrics.text.contains(#"parley_tokens_total{kind="completion"} 4"#))
            #expect(metrics.text.contains("parley_provider_first_token_seconds_count 1"))
        }
    }
}

@Suite struct DatabasePoolMetricsTests {
    /// `/metrics` once it shows `line`: the replies' background work may hold a connection for a moment.
    private static func metrics(of server: TestServer, showing line: String) async throws -> String {
        for _ in 0..<100 {
            let text = try await server.send(.GET, "/metrics").text
            if text.contains(line) { return text }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("/metrics never showed \(line)")
        return ""
    }

    @Test func aHeldConnectionShowsInTheMetrics() async throws {
        try await withServer { server in
            let loops = Array(server.app.eventLoopGroup.makeIterator()).count
            // SQLite keeps one connection per event loop; PostgreSQL spreads DATABASE_POOL_SIZE over them.
            let pool = server.app.parley.settings.databasePoolSize
            let perLoop = TestDatabase.usesPostgres ? (pool + loops - 1) / loops : 1
            let idle = try await Self.metrics(of: server, showing: "parley_db_pool_connections_in_use 0.0")
            #expect(idle.contains("parley_db_pool_connections_max \(Double(loops * perLoop))"))
            let busy = try await server.db.transaction { _ in
                try await Self.metrics(of: server, showing: "parley_db_pool_connections_in_use 1.0")
            }
            #expect(busy.contains("parley_db_pool_waiting 0.0"))
            _ = try await Self.metrics(of: server, showing: "parley_db_pool_connections_in_use 0.0")
        }
    }

    @Test func workBeyondALoopsConnectionsWaits() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let loops = Array(group.makeIterator())
        let activity = DatabasePoolActivity(connectionsPerEventLoop: 1, eventLoopCount: loops.count)
        activity.begin(on: loops[0])
        activity.begin(on: loops[0])
        activity.begin(on: loops[1])
        #expect(activity.snapshot == .init(size: 2, inUse: 2, waiting: 1))
        activity.end(on: loops[0])
        activity.end(on: loops[0])
        #expect(activity.snapshot == .init(size: 2, inUse: 1, waiting: 0))
        try await group.shutdownGracefully()
    }
}
