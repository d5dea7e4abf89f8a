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
    @Test func aHeldConnectionShowsInTheMetrics() async throws {
        try await withServer { server in
            let loops = Array(server.app.eventLoopGroup.makeIterator()).count
            let idle = try await server.send(.GET, "/metrics").text
            #expect(idle.contains("parley_db_pool_connections_max \(Double(loops))"))
            #expect(idle.contains("parley_db_pool_connections_in_use 0.0"))
            let busy = try await server.db.transaction { _ in try await server.send(.GET, "/metrics").text }
            #expect(busy.contains("parley_db_pool_connections_in_use 1.0"))
            #expect(busy.contains("parley_db_pool_waiting 0.0"))
            let after = try await server.send(.GET, "/metrics").text
            #expect(after.contains("parley_db_pool_connections_in_use 0.0"))
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
