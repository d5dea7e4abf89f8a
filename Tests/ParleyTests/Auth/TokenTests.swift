import Fluent
import Foundation
import Testing
import Vapor
@testable import Parley

@Suite struct TokenTests {
    private func base64URL(_ text: String) -> String {
        Data(text.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    private func userID(_ server: TestServer, _ email: String) async throws -> UUID {
        try #require(try await server.user(email: email)).id
    }

    @Test func missingHeaderIsNotAuthenticated() async throws {
        try await withServer { server in
            for headers in [[], [("Authorization", "Basic abc")], [("Authorization", "Bearer")]] {
                let response = try await server.send(.GET, "/api/v1/users/me", headers: headers)
                #expect(response.status == .unauthorized)
                #expect(response.headers.first(name: "WWW-Authenticate") == "Bearer")
            }
            let none = try await server.send(.GET, "/api/v1/conversations/")
            #expect(none.text == #"{"detail":"Not authenticated"}"#)
        }
    }

    @Test func badTokensCannotBeValidated() async throws {
        try await withServer { server in
            let good = try await server.user("ann@example.com")
            let id = try await userID(server, "ann@example.com")
            let parts = good.split(separator: ".").map(String.init)
            let expired = try await TokenIssuer(secret: testSecret, lifetime: 60).issue(userID: id, version: 0, now: Date().addingTimeInterval(-3600))
            let wrongKey = try await TokenIssuer(secret: "another-secret-key-that-is-32-bytes-long!", lifetime: 60).issue(userID: id, version: 0)
            let payload = base64URL(#"{"sub":"\#(id.uuidString.lowercased())","exp":\#(Int(Date().timeIntervalSince1970) + 3600)}"#)
            let algNone = base64URL(#"{"alg":"none","typ":"JWT"}"#) + "." + payload + "."
            let tampered = parts[0] + "." + payload + "." + parts[2]
            let unknownUser = try await TokenIssuer(secret: testSecret, lifetime: 60).issue(userID: UUID(), version: 0)
            for token in [expired, wrongKey, algNone, tampered, unknownUser, "garbage", "a.b.c", good + "x"] {
                let response = try await server.send(.GET, "/api/v1/users/me", token: token)
                #expect(response.status == .unauthorized, "\(token)")
                #expect(response.text == #"{"detail":"Could not validate credentials"}"#)
                #expect(response.headers.first(name: "WWW-Authenticate") == "Bearer")
            }
        }
    }

    @Test func aFastAPIStyleTokenWithTheSameKeyWorks() async throws {
        try await withServer { server in
            _ = try await server.user("ann@example.com")
            let id = try await userID(server, "ann@example.com")
            // Signed as PyJWT does with the key's UTF-8 bytes; no `iat`, an integer `exp`.
            let issuer = await TokenIssuer(secret: testSecret, lifetime: 60)
            let token = try await issuer.keys.sign(AccessToken(
                sub: .init(value: id.uuidString.lowercased()), exp: .init(value: Date().addingTimeInterval(600)), iat: nil, ver: nil))
            let me = try await server.send(.GET, "/api/v1/users/me", token: token)
            #expect(me.status == .ok)
        }
    }

    @Test func passwordChangeRevokesEarlierTokens() async throws {
        try await withServer { server in
            let old = try await server.user("ann@example.com")
            let change = try await server.send(
                .PATCH, "/api/v1/users/me/password", token: old,
                json: ["current_password": "password123", "new_password": "new-password-456"])
            #expect(change.status == .ok)
            #expect(change.text == #"{"message":"Password updated successfully"}"#)
            let rejected = try await server.send(.GET, "/api/v1/users/me", token: old)
            #expect(rejected.status == .unauthorized)
            #expect(rejected.detail == "Could not validate credentials")
            let fresh = try await server.token("ann@example.com", password: "new-password-456")
            #expect(try await server.send(.GET, "/api/v1/users/me", token: fresh).status == .ok)
        }
    }

    @Test func deletedUserIs401AndDeactivatedIs403() async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            let bob = try await server.user("bob@example.com")
            var annUser = try #require(try await server.user(email: "ann@example.com"))
            annUser.isActive = false
            try await UserStore.update(annUser, on: server.sql)
            let inactive = try await server.send(.GET, "/api/v1/users/me", token: ann)
            #expect(inactive.status == .forbidden)
            #expect(inactive.text == #"{"detail":"Inactive user"}"#)

            #expect(try await server.send(.DELETE, "/api/v1/users/me", token: bob).status == .noContent)
            let gone = try await server.send(.GET, "/api/v1/users/me", token: bob)
            #expect(gone.status == .unauthorized)
            #expect(gone.detail == "Could not validate credentials")
        }
    }
}
