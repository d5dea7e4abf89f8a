import Foundation
import NIOConcurrencyHelpers
import Testing
import Vapor
@testable import Parley

@Suite struct BudgetTests {
    private func setBudget(_ server: TestServer, _ email: String, _ budget: Int?) async throws {
        let admin = try await server.adminToken()
        let user = try #require(try await server.user(email: email))
        let patched = try await server.send(.PATCH, "/api/v1/users/\(user.id.lowercasedString)", token: admin,
                                            json: ["monthly_token_budget": budget.map { $0 as Any } ?? NSNull()])
        #expect(patched.status == .ok, "\(patched.text)")
        #expect(patched.object["monthly_token_budget"] as? Int == budget)
    }


    @Test func usageIsCountedAndTheBudgetRefusesChatsOnEveryRoute() async throws {
        try await withChatServer { server, _ in
            let ann = try await server.user("ann@example.com")
            let fresh = try await server.send(.GET, "/api/v1/users/me", token: ann)
            #expect(fresh.object["tokens_used_this_month"] as? Int == 0)
            #expect(fresh.object["monthly_token_budget"] is NSNull)

            #expect(try await server.send(.POST, "/api/chat", token: ann, json: helloChat()).status == .ok)
            let perReply = FakeProvider.promptTokens + 4
            let me = try await server.send(.GET, "/api/v1/users/me", token: ann)
            #expect(me.object["tokens_used_this_month"] as? Int == perReply)

            // At the budget: refused on both routes, with the wait until the month ends.
            try await setBudget(server, "ann@example.com", perReply)
            let refused = try await server.send(.POST, "/api/chat", token: ann, json: helloChat())
            #expect(refused.status == .tooManyRequests)
            #expect(refused.detail == "Monthly token budget reached")
            #expect(Int(refused.headers.first(name: "Retry-After") ?? "") ?? 0 > 0)
            let openai = try await server.send(.POST, "/v1/chat/completions", token: ann, json: helloChat())
            #expect(openai.status == .tooManyRequests)
            #expect((openai.object["error"] as? [String: Any])?["code"] as? String == "insufficient_quota")
            #expect(try await server.send(.GET, "/api/v1/users/me", token: ann).object["monthly_token_budget"] as? Int == perReply)

            // Unlimited again.
            try await setBudget(server, "ann@example.com", nil)
            #expect(try await server.send(.POST, "/api/chat", token: ann, json: helloChat()).status == .ok)
        }
    }

    @Test func concurrentChatsNearTheBudgetOvershootByAtMostTheRunningReplies() async throws {
        try await withChatServer { server, fake in
            let ann = try await server.user("ann@example.com")
            let perReply = FakeProvider.promptTokens + 4
            #expect(try await server.send(.POST, "/api/chat", token: ann, json: helloChat()).status == .ok)
            // One more reply fits under the budget; 50 ask at once.
            try await setBudget(server, "ann@example.com", perReply + 1)
            fake.then(.stallAfter(1))
            let statuses = StatusBox()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        let response = try await server.send(.POST, "/api/chat", token: ann, json: helloChat())
                        statuses.add(response.status)
                    }
                }
                // The one admitted reply holds its reservation until it ends: all others are refused meanwhile.
                try await server.eventually("49 refused") { statuses.count(.tooManyRequests) == 49 }
                fake.resume()
                try await group.waitForAll()
            }
            #expect(statuses.count(.ok) == 1)
            #expect(statuses.count(.tooManyRequests) == 49)
            #expect(fake.received.count == 2)
            let used = try await server.send(.GET, "/api/v1/users/me", token: ann).object["tokens_used_this_month"] as? Int
            #expect(used == 2 * perReply)
            #expect(try await server.send(.POST, "/api/chat", token: ann, json: helloChat()).status == .tooManyRequests)
        }
    }

    @Test func onlyASuperuserSetsABudget() async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            let me = try #require(try await server.user(email: "ann@example.com"))
            let denied = try await server.send(.PATCH, "/api/v1/users/\(me.id.lowercasedString)", token: ann, json: ["monthly_token_budget": 1])
            #expect(denied.status == .forbidden)
            // PATCH /users/me ignores it.
            _ = try await server.send(.PATCH, "/api/v1/users/me", token: ann, json: ["monthly_token_budget": 1])
            #expect(try await server.user(email: "ann@example.com")?.monthlyTokenBudget == nil)
            let admin = try await server.adminToken()
            let negative = try await server.send(.PATCH, "/api/v1/users/\(me.id.lowercasedString)", token: admin, json: ["monthly_token_budget": -1])
            #expect(negative.status == .unprocessableEntity)
        }
    }
}

private func helloChat() -> [String: Any] { ["messages": [["role": "user", "content": "Hello"]]] }

/// Statuses gathered from concurrent requests.
final class StatusBox: Sendable {
    private let statuses = NIOLockedValueBox<[HTTPResponseStatus]>([])
    func add(_ status: HTTPResponseStatus) { statuses.withLockedValue { $0.append(status) } }
    func count(_ status: HTTPResponseStatus) -> Int { statuses.withLockedValue { $0.filter { $0 == status }.count } }
}
