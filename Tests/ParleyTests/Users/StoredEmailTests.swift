import Foundation
import Testing
@testable import Parley

/// Emails are stored lowercase, and accounts stored the ways older Parley versions did (lowercased
/// only, or case-folded) stay reachable by their owners' own addresses.
@Suite struct StoredEmailTests {
    /// Inserts an account with `email` stored exactly so, as an older version left it.
    private func insert(_ server: TestServer, email: String, password: String) async throws -> UUID {
        let id = UUID()
        try await UserStore.insert(UserRow(
            id: id, email: email, passwordHash: try await server.app.parley.hasher.hash(password), fullName: nil,
            isActive: true, isSuperuser: false, tokenVersion: 0, createdAt: Date()), on: server.sql)
        return id
    }

    @Test func straßeIsStoredLowercaseNotFolded() async throws {
        try await withServer { server in
            let signup = try await server.send(.POST, "/api/v1/users/signup", json: ["email": "Stra\u{00DF}e@example.com", "password": "password123"])
            #expect(signup.status == .created)
            #expect(signup.object["email"] as? String == "stra\u{00DF}e@example.com")
            _ = try await server.token("STRA\u{00DF}E@example.com")
            // Another address, however alike: which of the two is a mailbox is the domain's business.
            let other = try await server.send(.POST, "/token", json: ["username": "strasse@example.com", "password": "password123"])
            #expect(other.status == .badRequest)
        }
    }

    @Test func theMigrationLowercasesAndNormalisesButDoesNotFold() async throws {
        try await withServer { server in
            let straße = try await insert(server, email: "stra\u{00DF}e@example.com", password: "password123")
            let bob = try await insert(server, email: "\u{FF42}ob@example.com", password: "password123")  // fullwidth ｂ
            try await UpdateUsersCanonicalEmails().prepare(on: server.db)
            #expect(try await server.user(id: straße)?.email == "stra\u{00DF}e@example.com")
            #expect(try await server.user(id: bob)?.email == "bob@example.com")
        }
    }

    @Test func anAccountLeftWithItsOldFormStaysReachable() async throws {
        try await withServer { server in
            // Stored lowercased only, before canonical forms: "Ａnn@…" was kept as "ａnn@…".
            let ann = try await insert(server, email: "ann@example.com", password: "password-of-ann")
            let wideAnn = try await insert(server, email: "\u{FF41}nn@example.com", password: "password-of-wide-ann")
            try await UpdateUsersCanonicalEmails().prepare(on: server.db)
            #expect(try await server.user(id: wideAnn)?.email == "\u{FF41}nn@example.com")

            // Each owner signs in to their own account, with the address they signed up with.
            let wideToken = try await server.token("\u{FF21}nn@example.com", password: "password-of-wide-ann")
            let wideMe = try await server.send(.GET, "/api/v1/users/me", token: wideToken)
            #expect(wideMe.object["id"] as? String == wideAnn.lowercasedString)
            let annToken = try await server.token("ann@example.com", password: "password-of-ann")
            let annMe = try await server.send(.GET, "/api/v1/users/me", token: annToken)
            #expect(annMe.object["id"] as? String == ann.lowercasedString)

            // Keeping a look-alike address is allowed; taking one is not.
            let rename = try await server.send(.PATCH, "/api/v1/users/me", token: wideToken, json: ["full_name": "Ann W."])
            #expect(rename.status == .ok, "\(rename.text)")
            let take = try await server.send(.PATCH, "/api/v1/users/me", token: wideToken, json: ["email": "ANN@example.com"])
            #expect(take.status == .conflict)
        }
    }

    @Test func collidingAccountsAreNamedAtStartByID() async throws {
        try await withServer { server in
            _ = try await insert(server, email: "ann@example.com", password: "password123")
            let wideAnn = try await insert(server, email: "\u{FF41}nn@example.com", password: "password123")
            _ = try await insert(server, email: "bob@example.com", password: "password123")
            let log = LogCapture()
            try await EmailCollisions.warn(on: server.sql, logger: log.logger)
            let warnings = log.all.filter { $0.level == .warning }.map(\.message)
            #expect(warnings.count == 1)
            #expect(warnings.first?.contains("1 account(s)") == true)
            #expect(warnings.first?.contains(wideAnn.lowercasedString) == true)
            #expect(warnings.first?.contains("example.com") == false)

            let quiet = LogCapture()
            try await server.sql.delete(from: UserStore.table).where(UserStore.Column.id, .equal, wideAnn).run()
            try await EmailCollisions.warn(on: server.sql, logger: quiet.logger)
            #expect(quiet.all.isEmpty)
        }
    }

    @Test func aFoldedAccountSignsInWithItsOwnAddressAndIsNotSignedUpAgain() async throws {
        try await withServer { server in
            // Stored case-folded by the version that folded: "Straße@…" became "strasse@…".
            let folded = try await insert(server, email: "strasse@example.com", password: "password123")
            let token = try await server.token("Stra\u{00DF}e@example.com")
            let me = try await server.send(.GET, "/api/v1/users/me", token: token)
            #expect(me.object["id"] as? String == folded.lowercasedString)
            let again = try await server.send(.POST, "/api/v1/users/signup", json: ["email": "Stra\u{00DF}e@example.com", "password": "password123"])
            #expect(again.status == .conflict)
        }
    }
}
