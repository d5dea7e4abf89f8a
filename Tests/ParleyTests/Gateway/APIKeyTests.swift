import Foundation
import Testing
import Vapor
@testable import Parley

@Suite struct APIKeyTests {
    @Test func aKeyIsShownOnceAndWorksWhereATokenDoes() async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            let created = try await server.send(.POST, "/api/v1/users/me/api-keys", token: ann, json: ["name": "  laptop  "])
            #expect(created.status == .created, "\(created.text)")
            let key = try #require(created.object["key"] as? String)
            let prefix = try #require(created.object["prefix"] as? String)
            #expect(key.hasPrefix("pk-") && key.hasPrefix(prefix) && key.count > prefix.count + 30)
            #expect(created.object["name"] as? String == "laptop")

            let me = try await server.send(.GET, "/api/v1/users/me", token: key)
            #expect(me.status == .ok)
            #expect(me.object["email"] as? String == "ann@example.com")
            let conversation = try await server.send(.POST, "/api/v1/conversations/", token: key, json: ["title": "By key"])
            #expect(conversation.status == .created)

            let listed = try await server.send(.GET, "/api/v1/users/me/api-keys", token: ann)
            #expect(listed.status == .ok)
            #expect(listed.array.count == 1)
            #expect(listed.array.first?["prefix"] as? String == prefix)
            #expect(listed.array.first?["key"] == nil)
            #expect(!listed.text.contains(String(key.dropFirst(prefix.count))))
            // The key's first use is written in the background.
            try await server.eventually("last_used_at is set") {
                let keys = try await server.send(.GET, "/api/v1/users/me/api-keys", token: ann)
                return keys.array.first?["last_used_at"] is String
            }
        }
    }

    @Test func aWrongOrRevokedKeyIsRefused() async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            let created = try await server.send(.POST, "/api/v1/users/me/api-keys", token: ann, json: ["name": "ci"])
            let key = try #require(created.object["key"] as? String)
            let id = try #require(created.object["id"] as? String)
            #expect(try await server.send(.GET, "/api/v1/users/me", token: key).status == .ok)

            // The right prefix with another secret, and a key that is too short.
            let forged = String(key.dropLast(4)) + (key.hasSuffix("AAAA") ? "BBBB" : "AAAA")
            let wrong = try await server.send(.GET, "/api/v1/users/me", token: forged)
            #expect(wrong.status == .unauthorized)
            #expect(wrong.detail == "Could not validate credentials")
            #expect(wrong.headers.first(name: "WWW-Authenticate") == "Bearer")
            #expect(try await server.send(.GET, "/api/v1/users/me", token: "pk-short").status == .unauthorized)

            // Another user cannot revoke it.
            let bob = try await server.user("bob@example.com")
            #expect(try await server.send(.DELETE, "/api/v1/users/me/api-keys/\(id)", token: bob).status == .notFound)

            let revoked = try await server.send(.DELETE, "/api/v1/users/me/api-keys/\(id)", token: ann)
            #expect(revoked.status == .noContent)
            let after = try await server.send(.GET, "/api/v1/users/me", token: key)
            #expect(after.status == .unauthorized)
            #expect(try await server.send(.GET, "/api/v1/users/me/api-keys", token: ann).array.isEmpty)
        }
    }

    @Test func aKeyCannotManageKeysNorChangePasswordOrEmail() async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            let created = try await server.send(.POST, "/api/v1/users/me/api-keys", token: ann, json: ["name": "tool"])
            let key = try #require(created.object["key"] as? String)
            let id = try #require(created.object["id"] as? String)
            let refusals = [
                try await server.send(.GET, "/api/v1/users/me/api-keys", token: key),
                try await server.send(.POST, "/api/v1/users/me/api-keys", token: key, json: ["name": "more"]),
                try await server.send(.DELETE, "/api/v1/users/me/api-keys/\(id)", token: key),
                try await server.send(.PATCH, "/api/v1/users/me/password", token: key,
                                      json: ["current_password": "password123", "new_password": "password456"]),
                try await server.send(.PATCH, "/api/v1/users/me", token: key, json: ["email": "other@example.com"]),
            ]
            for refusal in refusals {
                #expect(refusal.status == .forbidden, "\(refusal.text)")
                #expect(refusal.detail == Abort.apiKeyNotAllowed.reason)
            }
            // The full name is not a credential: a key may change it.
            let renamed = try await server.send(.PATCH, "/api/v1/users/me", token: key, json: ["full_name": "Ann"])
            #expect(renamed.status == .ok)
            #expect(try await server.token("ann@example.com").isEmpty == false)
        }
    }

    @Test func aKeyNeedsAName() async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            let blank = try await server.send(.POST, "/api/v1/users/me/api-keys", token: ann, json: ["name": "   "])
            #expect(blank.status == .unprocessableEntity)
            #expect(blank.firstIssue?.loc == ["body", "name"])
        }
    }

    @Test func lastUsedAtIsWrittenAtMostOnceAMinutePerKey() async throws {
        try await withServer { server in
            let recorder = server.app.parley.keyUses
            let (first, second) = (UUID(), UUID())
            let start = Date()
            #expect(recorder.claimWrite(first, now: start))
            #expect(!recorder.claimWrite(first, now: start.addingTimeInterval(1)))
            #expect(!recorder.claimWrite(first, now: start.addingTimeInterval(59)))
            #expect(recorder.claimWrite(second, now: start.addingTimeInterval(59)))
            #expect(recorder.claimWrite(first, now: start.addingTimeInterval(61)))
        }
    }
}
