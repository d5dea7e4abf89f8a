import Foundation
import Testing
import Vapor
@testable import Parley

@Suite struct AuditTests {
    @Test func accountEventsAreAuditedNewestFirst() async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            let annID = try #require(try await server.user(email: "ann@example.com")).id.lowercasedString
            _ = try await server.send(.POST, "/token", json: ["username": "ann@example.com", "password": "wrong-password"])
            let key = try await server.send(.POST, "/api/v1/users/me/api-keys", token: ann, json: ["name": "k"])
            let keyID = try #require(key.object["id"] as? String)
            _ = try await server.send(.DELETE, "/api/v1/users/me/api-keys/\(keyID)", token: ann)
            _ = try await server.send(.PATCH, "/api/v1/users/me", token: ann, json: ["email": "ann2@example.com"])
            _ = try await server.send(.PATCH, "/api/v1/users/me/password", token: ann,
                                      json: ["current_password": "password123", "new_password": "password456"])
            let admin = try await server.adminToken()
            _ = try await server.send(.PATCH, "/api/v1/users/\(annID)", token: admin, json: ["monthly_token_budget": 1000, "is_active": false])

            let log = try await server.send(.GET, "/api/v1/audit?limit=100", token: admin, headers: [("X-Request-ID", "audit-probe")])
            #expect(log.status == .ok, "\(log.text)")
            let actions = log.array.compactMap { $0["action"] as? String }
            let expected = ["login.ok", "user.budget", "user.deactivate", "password.change", "email.change",
                            "api_key.delete", "api_key.create", "login.failed", "user.signup"]
            for action in expected { #expect(actions.contains(action), "\(action) in \(actions)") }
            // Newest first: the admin's sign-in before ann's key creation, her failed sign-in after her sign-up.
            let index = { (action: String) in actions.firstIndex(of: action) ?? -1 }
            #expect(index("api_key.delete") < index("api_key.create"))
            #expect(index("login.failed") < index("user.signup"))
            let created = try #require(log.array.first { $0["action"] as? String == "api_key.create" })
            #expect(created["actor_id"] as? String == annID)
            #expect(created["target"] as? String == keyID)
            #expect(created["ip"] as? String == "127.0.0.1")
            #expect((created["request_id"] as? String)?.isEmpty == false)
            #expect(created["at"] is String)
            let failed = try #require(log.array.first { $0["action"] as? String == "login.failed" })
            #expect(failed["target"] as? String == "ann@example.com")
            #expect(Int(log.headers.first(name: "X-Total-Count") ?? "") == log.array.count)

            let jsonl = try await server.send(.GET, "/api/v1/audit?format=jsonl", token: admin)
            #expect(jsonl.status == .ok)
            let lines = jsonl.text.split(separator: "\n")
            #expect(lines.count == log.array.count)
            #expect(lines.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }.compactMap { $0["action"] as? String } == actions)

            let bob = try await server.user("bob@example.com")
            #expect(try await server.send(.GET, "/api/v1/audit", token: bob).status == .forbidden)
        }
    }

    @Test func oldEntriesArePruned() async throws {
        try await withServer { server in
            let old = AuditEntry(at: Date().addingTimeInterval(-400 * 86_400), action: "login.ok")
            try await AuditStore.append(old, on: server.db.sql)
            try await AuditStore.append(AuditEntry(action: "login.ok"), on: server.db.sql)
            // The server's own pruner (at start, then hourly) may have taken it already: what matters
            // is that the old entry is gone and the recent one stays.
            _ = try await AuditStore.prune(before: Date().addingTimeInterval(-365 * 86_400), on: server.db.sql)
            let left = try await AuditStore.page(skip: 0, limit: 10, on: server.db.sql)
            #expect(left.allSatisfy { $0.id != old.id })
            #expect(left.contains { $0.action == "login.ok" && $0.id != old.id })
        }
    }
}
