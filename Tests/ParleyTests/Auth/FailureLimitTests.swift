import Testing
import Vapor
@testable import Parley

/// The login and `current_password` limits count wrong passwords, not attempts: a burst of right
/// ones is never refused, and attempts in flight still cannot reveal more guesses than the limit.
/// Checks are held at a gate, so the attempts really are in flight together.
@Suite struct FailureLimitTests {
    private let office = "203.0.113.9"

    /// The HTTP status `work` would answer with.
    private func status(_ work: () async throws -> Void) async throws -> UInt {
        do {
            try await work()
            return 200
        } catch let abort as any AbortError {
            return abort.status.code
        }
    }

    private func gatedAuth(_ server: TestServer, gate: Gate, limit: Int, holds: @escaping @Sendable (String) -> Bool = { _ in true }) -> AuthService {
        AuthService(
            hasher: GatedHasher(real: server.app.parley.hasher, gate: gate, holds: holds),
            tokens: server.app.parley.tokens, limiter: RateLimiter(limit: limit, window: 15 * 60))
    }

    @Test func aBurstOfRightPasswordsFromOneAddressIsNotRefused() async throws {
        try await withServer { server in
            _ = try await server.user("ann@example.com")
            let gate = Gate()
            let auth = gatedAuth(server, gate: gate, limit: 3)
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for _ in 0..<7 {
                    group.addTask {
                        let status = try await status {
                            _ = try await auth.login(email: "ann@example.com", password: "password123", clientAddress: office, on: server.sql)
                        }
                        if status != 200 { await gate.note() }
                        return status
                    }
                }
                // All seven checks held together (or answered without one), then let through.
                await gate.waitForArrivals(7)
                await gate.open()
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 7))
        }
    }

    @Test func aBurstOfRightCurrentPasswordsIsNotRefused() async throws {
        try await withServer { server in
            _ = try await server.user("ann@example.com")
            let ann = try #require(try await server.user(email: "ann@example.com"))
            let gate = Gate()
            let users = UserService(
                hasher: GatedHasher(real: server.app.parley.hasher, gate: gate),
                passwordCheckLimiter: RateLimiter(limit: 3, window: 15 * 60))
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for attempt in 0..<7 {
                    group.addTask {
                        let status = try await status {
                            try await users.changePassword(of: ann, current: "password123", new: "new-password-\(attempt)", on: server.sql)
                        }
                        if status != 200 { await gate.note() }
                        return status
                    }
                }
                await gate.waitForArrivals(7)
                await gate.open()
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 7))
        }
    }

    @Test func aRightPasswordInFlightWhenTheLimitIsReachedIsRefused() async throws {
        try await withServer { server in
            _ = try await server.user("ann@example.com")
            let gate = Gate()
            let auth = gatedAuth(server, gate: gate, limit: 2) { $0 == "password123" }
            let right = Task {
                try await status {
                    _ = try await auth.login(email: "ann@example.com", password: "password123", clientAddress: office, on: server.sql)
                }
            }
            await gate.waitForArrivals(1)
            // Guesses made while the right one is being checked: the limit's worth are told "wrong".
            var wrong: [UInt] = []
            for guess in ["guess-one", "guess-two"] {
                wrong.append(try await status {
                    _ = try await auth.login(email: "ann@example.com", password: guess, clientAddress: office, on: server.sql)
                })
            }
            await gate.open()
            #expect(wrong == [400, 400])
            // The right one ends after the limit was reached: accepting it would have let a third
            // guess through.
            #expect(try await right.value == 429)
        }
    }
}
