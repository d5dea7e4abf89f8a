import Fluent
import Foundation
import Testing
import Vapor
@testable import Parley

@Suite struct UserTests {
    @Test func signupStoresALowercaseEmailAndNoHashInTheBody() async throws {
        try await withServer { server in
            let response = try await server.send(
                .POST, "/api/v1/users/signup",
                json: ["email": "Ann@Example.COM", "password": "password123", "full_name": "Ann", "is_superuser": true])
            #expect(response.status == .created)
            #expect(Set(response.object.keys) == ["id", "email", "is_active", "is_superuser", "full_name", "monthly_token_budget"])
            #expect(response.object["email"] as? String == "ann@example.com")
            #expect(response.object["is_superuser"] as? Bool == false)
            #expect(response.object["full_name"] as? String == "Ann")
            let id = try #require(response.object["id"] as? String)
            #expect(id == id.lowercased())
            let stored = try #require(try await server.user(id: UUID(uuidString: id)))
            #expect(stored.passwordHash.hasPrefix(PasswordHasher.preHashedPrefix + "$2"))
            #expect(!stored.isSuperuser)
        }
    }

    @Test func duplicateEmailIsAConflictWhateverItsCase() async throws {
        try await withServer { server in
            _ = try await server.user("ann@example.com")
            let again = try await server.send(.POST, "/api/v1/users/signup", json: ["email": "ANN@example.com", "password": "password123"])
            #expect(again.status == .conflict)
            #expect(again.detail == "The user with this email already exists in the system")
        }
    }

    @Test(arguments: [
        (["email": "not-an-email", "password": "password123"], ["body", "email"]),
        (["email": "a@example.com", "password": "short"], ["body", "password"]),
        (["email": "a@example.com", "password": String(repeating: "p", count: 129)], ["body", "password"]),
        (["password": "password123"], ["body", "email"]),
    ])
    func badSignupsAre422(body: [String: String], loc: [String]) async throws {
        try await withServer { server in
            let response = try await server.send(.POST, "/api/v1/users/signup", json: body)
            #expect(response.status == .unprocessableEntity)
            #expect(response.firstIssue?.loc == loc)
            #expect(try await server.count("users") == 1)  // the first superuser only
        }
    }

    @Test func passwordLengthCountsCodePoints() async throws {
        try await withServer { server in
            // Eight emoji are 32 UTF-8 bytes but eight characters: long enough.
            let response = try await server.send(.POST, "/api/v1/users/signup", json: ["email": "e@example.com", "password": String(repeating: "🔑", count: 8)])
            #expect(response.status == .created)
        }
    }

    @Test func closedRegistrationIsForbidden() async throws {
        try await withServer({ $0.openRegistration = false }) { server in
            let response = try await server.send(.POST, "/api/v1/users/signup", json: ["email": "a@example.com", "password": "password123"])
            #expect(response.status == .forbidden)
            #expect(response.detail == "Open user registration is forbidden on this server")
        }
    }

    @Test func readAndUpdateMe() async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            _ = try await server.user("bob@example.com")
            let me = try await server.send(.GET, "/api/v1/users/me", token: ann)
            #expect(me.object["full_name"] is NSNull)
            #expect(me.text.contains(#""full_name":null"#))

            let named = try await server.send(.PATCH, "/api/v1/users/me", token: ann, json: ["full_name": "Ann A", "is_superuser": true])
            #expect(named.status == .ok)
            #expect(named.object["full_name"] as? String == "Ann A")
            #expect(named.object["is_superuser"] as? Bool == false)

            let taken = try await server.send(.PATCH, "/api/v1/users/me", token: ann, json: ["email": "BOB@example.com"])
            #expect(taken.status == .conflict)

            let moved = try await server.send(.PATCH, "/api/v1/users/me", token: ann, json: ["email": "Ann2@Example.com", "full_name": NSNull()])
            #expect(moved.status == .ok)
            #expect(moved.object["email"] as? String == "ann2@example.com")
            #expect(moved.object["full_name"] is NSNull)

            let badType = try await server.send(.PATCH, "/api/v1/users/me", token: ann, json: ["full_name": 12])
            #expect(badType.status == .unprocessableEntity)
            #expect(badType.firstIssue?.loc == ["body", "full_name"])
        }
    }

    @Test func passwordChangeRules() async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            let wrong = try await server.send(.PATCH, "/api/v1/users/me/password", token: ann,
                                              json: ["current_password": "not-it-at-all", "new_password": "new-password-1"])
            #expect(wrong.status == .badRequest)
            #expect(wrong.detail == "Incorrect password")
            let same = try await server.send(.PATCH, "/api/v1/users/me/password", token: ann,
                                             json: ["current_password": "password123", "new_password": "password123"])
            #expect(same.status == .badRequest)
            let short = try await server.send(.PATCH, "/api/v1/users/me/password", token: ann,
                                              json: ["current_password": "password123", "new_password": "short"])
            #expect(short.status == .unprocessableEntity)
            #expect(short.firstIssue?.loc == ["body", "new_password"])
            // Nothing changed: the old password still works.
            _ = try await server.token("ann@example.com")
        }
    }

    @Test func deletingMeTakesMyConversationsAndMessages() async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            let created = try await server.send(.POST, "/api/v1/conversations/", token: ann, json: ["title": "Mine"])
            let conversationID = try #require(UUID(uuidString: created.object["id"] as? String ?? ""))
            try await server.insertMessage(conversationID: conversationID, role: .user, content: "hi", position: 0)

            #expect(try await server.send(.DELETE, "/api/v1/users/me", token: ann).status == .noContent)
            #expect(try await server.user(email: "ann@example.com") == nil)
            #expect(try await server.count("conversations") == 0)
            #expect(try await server.count("messages") == 0)
        }
    }

    @Test func superuserCannotDeleteThemselves() async throws {
        try await withServer { server in
            let admin = try await server.adminToken()
            let response = try await server.send(.DELETE, "/api/v1/users/me", token: admin)
            #expect(response.status == .forbidden)
            #expect(response.detail == "Super users are not allowed to delete themselves")
        }
    }

    /// A superuser's update of another user's name and password is written whole or not at all.
    /// Nothing a client can send makes the password's write fail after the other fields' (both
    /// are plain updates of the same row), so a trigger stands in for a failure there: the
    /// database refuses that one write, and the name must not be changed either.
    @Test func anUpdateIsWrittenWholeOrNotAtAll() async throws {
        try await withServer { server in
            _ = try await server.user("ann@example.com")
            let admin = try await server.adminToken()
            let before = try #require(try await server.user(email: "ann@example.com"))
            let audited = try await server.count(AuditStore.table)
            if TestDatabase.usesPostgres {
                try await server.sql.raw("""
                    CREATE FUNCTION refuse_password() RETURNS trigger AS $$
                    BEGIN RAISE EXCEPTION 'password writes are refused'; END $$ LANGUAGE plpgsql
                    """).run()
                try await server.sql.raw("""
                    CREATE TRIGGER refuse_password BEFORE UPDATE OF hashed_password ON users
                    FOR EACH ROW EXECUTE FUNCTION refuse_password()
                    """).run()
            } else {
                try await server.sql.raw("""
                    CREATE TRIGGER refuse_password BEFORE UPDATE OF hashed_password ON users
                    BEGIN SELECT RAISE(ABORT, 'password writes are refused'); END
                    """).run()
            }
            let response = try await server.send(.PATCH, "/api/v1/users/\(before.id.lowercasedString)", token: admin,
                                                 json: ["full_name": "Ann Changed", "password": "new-password-1"])
            // Refused (PostgreSQL: 500; SQLite reports a trigger's RAISE as a constraint failure, so 409).
            #expect(response.status != .ok, "\(response.text)")
            #expect(try await server.user(id: before.id) == before)
            #expect(try await server.count(AuditStore.table) == audited)
        }
    }

    @Test func firstSuperuserIsEnsuredOnce() async throws {
        try await withServer { server in
            try await prepareDatabase(server.app)
            #expect(try await server.count("users") == 1)
            #expect(try await server.user(email: testAdmin.email)?.isSuperuser == true)
        }
    }
}
