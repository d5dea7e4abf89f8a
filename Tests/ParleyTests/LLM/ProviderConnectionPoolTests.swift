import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import Testing
@testable import Parley

/// Many chats at once each hold a provider connection for their whole reply; when every allowed
/// connection is busy, a chat gets a quick 503 that says so, not "unreachable".
@Suite struct ProviderConnectionPoolTests {
    private let hello: [String: Any] = ["messages": [["role": "user", "content": "Hello"]]]

    @Test func moreConcurrentChatsThanAsyncHTTPClientsDefaultEightAllSucceed() async throws {
        try await withChatServer { server, fake in
            fake.chunkDelay = .milliseconds(250)
            let ann = try await server.user("ann@example.com")
            // A client of its own: the shared one would itself queue past 8 connections.
            var configuration = HTTPClient.Configuration()
            configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
            let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
            var request = HTTPClientRequest(url: server.base + "/api/chat")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(ann)")
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: hello)))
            let chat = request
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for _ in 0..<16 {
                    group.addTask {
                        let response = try await client.execute(chat, timeout: .seconds(30))
                        _ = try await response.body.collect(upTo: 1 << 20)
                        return response.status.code
                    }
                }
                return try await group.reduce(into: [UInt]()) { $0.append($1) }
            }
            try await client.shutdown()
            #expect(statuses == Array(repeating: 200, count: 16))
            #expect(fake.received.count == 16)
        }
    }

    @Test func aChatThatFindsEveryConnectionBusyIs503WithRetryAfter() async throws {
        // A chat waits for a connection as long as connecting may take: short here, so "busy" comes first.
        try await withChatServer(.openai, { $0.llmMaxConnections = 1; $0.llmConnectTimeoutSeconds = 0.5 }) { server, fake in
            fake.then(.stallAfter(1))
            let ann = try await server.user("ann@example.com")
            let holder = Task {
                try await server.send(.POST, "/api/chat", token: ann, json: ["messages": [["role": "user", "content": "Hello"]]])
            }
            try await server.eventually("the first chat holds the connection") { fake.received.count == 1 }

            let response = try await server.send(.POST, "/api/chat", token: ann, json: hello)
            #expect(response.status == .serviceUnavailable, "\(response.text)")
            #expect(response.headers.first(name: "Retry-After") == String(LLMError.busyRetryAfterSeconds))
            #expect(response.detail == "All connections to the model provider are in use; try again in a few seconds")

            fake.resume()
            #expect(try await holder.value.status == .ok)
        }
    }
}
