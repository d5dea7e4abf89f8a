import Foundation
import Testing
import Vapor
@testable import Parley

/// The account defects a security review found, each shown failing before its fix.
@Suite struct AccountDefectTests {
    @Test func parallelWrongPasswordsCannotOutrunTheLoginLimit() async throws {
        try await withServer({ $0.loginRateLimit = 5 }) { server in
            _ = try await server.user("ann@example.com")
            let statuses = try await withThrowingTaskGroup(of: HTTPResponseStatus.self) { group in
                for _ in 0..<30 {
                    group.addTask {
                        try await server.send(.POST, "/token", json: ["username": "ann@example.com", "password": "wrong-password"]).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .badRequest }.count == 5)
            #expect(statuses.filter { $0 == .tooManyRequests }.count == 25)
        }
    }

    @Test func aTokenSignedFromAHashReadBeforeAPasswordChangeIsDead() async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            // A login that read the row, then lost the race with the password change.
            let readBeforeChange = try #require(try await server.user(email: "ann@example.com"))
            let change = try await server.send(
                .PATCH, "/api/v1/users/me/password", token: ann,
                json: ["current_password": "password123", "new_password": "new-password-456"])
            #expect(change.status == .ok)
            let late = try await server.app.parley.tokens.issue(
                userID: readBeforeChange.id, version: readBeforeChange.tokenVersion, now: Date().addingTimeInterval(5))
            let me = try await server.send(.GET, "/api/v1/users/me", token: late)
            #expect(me.status == .unauthorized)
        }
    }

    @Test func firstSuperuserNeverTakesOverOrRePromotesAnAccount() async throws {
        try await withServer { server in
            _ = try await server.user("owner@example.com")
            try await server.app.parley.users.ensureSuperuser(
                email: "owner@example.com", password: "attacker-chosen", on: server.sql, logger: server.app.logger)
            let owner = try #require(try await server.user(email: "owner@example.com"))
            #expect(owner.isSuperuser == false)
            _ = try await server.token("owner@example.com")  // their own password still works

            // An admin demoted by another admin stays demoted across restarts.
            let admin = try await server.adminToken()
            let adminID = try #require(try await server.user(email: testAdmin.email)).id
            _ = try await server.send(.POST, "/api/v1/users/", token: admin, json: [
                "email": "second@example.com", "password": "password123", "is_superuser": true])
            let second = try await server.token("second@example.com")
            let demote = try await server.send(.PATCH, "/api/v1/users/\(adminID.uuidString.lowercased())", token: second,
                                               json: ["is_superuser": false])
            #expect(demote.status == .ok)
            try await prepareDatabase(server.app)
            #expect(try await server.user(email: testAdmin.email)?.isSuperuser == false)
        }
    }

    @Test func currentPasswordChecksAreLimited() async throws {
        try await withServer({ $0.loginRateLimit = 3 }) { server in
            let ann = try await server.user("ann@example.com")
            let wrong = ["current_password": "not-my-password", "new_password": "new-password-456"]
            for _ in 0..<3 {
                #expect(try await server.send(.PATCH, "/api/v1/users/me/password", token: ann, json: wrong).status == .badRequest)
            }
            let limited = try await server.send(.PATCH, "/api/v1/users/me/password", token: ann, json: wrong)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers.first(name: "Retry-After") != nil)
            // Even the right password waits now: the limit is on checks, not on failures.
            let right = try await server.send(.PATCH, "/api/v1/users/me/password", token: ann,
                                              json: ["current_password": "password123", "new_password": "new-password-456"])
            #expect(right.status == .tooManyRequests)
        }
    }

    @Test func signUpsPerAddressAreLimited() async throws {
        try await withServer({ $0.signupRateLimit = 2 }) { server in
            for name in ["a", "b"] {
                let signup = try await server.send(.POST, "/api/v1/users/signup", json: ["email": "\(name)@example.com", "password": "password123"])
                #expect(signup.status == .created)
            }
            let third = try await server.send(.POST, "/api/v1/users/signup", json: ["email": "c@example.com", "password": "password123"])
            #expect(third.status == .tooManyRequests)
            #expect(try await server.user(email: "c@example.com") == nil)
        }
    }

    @Test func passwordsDifferPastByte72AndOldBcryptHashesStillWork() async throws {
        try await withServer { server in
            let long = String(repeating: "a", count: 72)
            _ = try await server.user("ann@example.com", password: long + "X")
            let wrong = try await server.send(.POST, "/token", json: ["username": "ann@example.com", "password": long + "Y"])
            #expect(wrong.status == .badRequest)
            _ = try await server.token("ann@example.com", password: long + "X")

            // A plain bcrypt hash, as an older Parley or a FastAPI deployment stored it.
            try await UserStore.insert(UserRow(
                id: UUID(), email: "old@example.com", passwordHash: try Bcrypt.hash("old-password", cost: 4), fullName: nil,
                isActive: true, isSuperuser: false, tokenVersion: 0, createdAt: Date()), on: server.sql)
            _ = try await server.token("old@example.com", password: "old-password")
        }
    }

    @Test func aFullHashingQueueAnswers503WithRetryAfter() async throws {
        // No wait allowed: a login behind one admitted hash is turned away at once.
        try await withServer({ $0.passwordHashMaxWaitSeconds = 0; $0.loginRateLimit = 0 }) { server in
            _ = try await server.user("ann@example.com")
            let hasher = server.app.parley.hasher
            try hasher.admit()
            let busy = try await server.send(.POST, "/token", json: ["username": "ann@example.com", "password": "password123"])
            hasher.leave()
            #expect(busy.status == .serviceUnavailable)
            #expect(busy.headers.first(name: "Retry-After") == "1")
            _ = try await server.token("ann@example.com")
        }
    }

    @Test func aBurstOfSignUpsIsAdmittedWhileTheWaitIsShort() async throws {
        try await withServer { server in
            // 49 sign-ups ahead, held in the queue: well under a second of hashing at this cost,
            // so the 50th is taken, not told the server is busy (it was, past 32 waiting).
            let hasher = server.app.parley.hasher
            for _ in 0..<49 { try hasher.admit() }
            let signup = try await server.send(.POST, "/api/v1/users/signup", json: ["email": "ann@example.com", "password": "password123"])
            for _ in 0..<49 { hasher.leave() }
            #expect(signup.status == .created, "\(signup.text)")
        }
    }

    @Test func aBusyPasswordCheckIsNotAWrongPassword() async throws {
        try await withServer({ $0.loginRateLimit = 3; $0.passwordHashMaxWaitSeconds = 0 }) { server in
            let ann = try await server.user("ann@example.com")
            let change = ["current_password": "password123", "new_password": "new-password-456"]
            let hasher = server.app.parley.hasher
            try hasher.admit()  // with no wait allowed, every check now finds the server busy
            var statuses: [HTTPResponseStatus] = []
            for _ in 0..<4 {
                statuses.append(try await server.send(.PATCH, "/api/v1/users/me/password", token: ann, json: change).status)
            }
            hasher.leave()
            #expect(statuses == Array(repeating: .serviceUnavailable, count: 4))
            let changed = try await server.send(.PATCH, "/api/v1/users/me/password", token: ann, json: change)
            #expect(changed.status == .ok, "\(changed.text)")
        }
    }
}
