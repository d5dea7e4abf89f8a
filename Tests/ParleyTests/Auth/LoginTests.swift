import Fluent
import Foundation
import Testing
import Vapor
@testable import Parley

@Suite struct LoginTests {
    @Test func jsonAndFormLoginsBothIssueTokens() async throws {
        try await withServer { server in
            _ = try await server.user("ann@example.com")
            let json = try await server.send(.POST, "/token", json: ["username": "ann@example.com", "password": "password123"])
            #expect(json.status == .ok)
            #expect(json.object["token_type"] as? String == "bearer")
            #expect(json.object["expires_in"] as? Int == 11520 * 60)

            let form = try await server.send(
                .POST, "/api/v1/login/access-token",
                body: "grant_type=password&username=ANN%40example.com&password=password123&scope=",
                headers: [("Content-Type", "application/x-www-form-urlencoded")])
            #expect(form.status == .ok, "\(form.text)")
            let token = try #require(form.object["access_token"] as? String)
            let me = try await server.send(.GET, "/api/v1/users/me", token: token)
            #expect(me.object["email"] as? String == "ann@example.com")
        }
    }

    @Test func unknownEmailAndWrongPasswordLookTheSame() async throws {
        try await withServer { server in
            _ = try await server.user("ann@example.com")
            let wrong = try await server.send(.POST, "/token", json: ["username": "ann@example.com", "password": "nope-nope"])
            let unknown = try await server.send(.POST, "/token", json: ["username": "who@example.com", "password": "nope-nope"])
            #expect(wrong.status == .badRequest)
            #expect(unknown.status == .badRequest)
            #expect(wrong.text == #"{"detail":"Incorrect email or password"}"#)
            #expect(unknown.text == wrong.text)
        }
    }

    @Test func inactiveUserCannotLogIn() async throws {
        try await withServer { server in
            _ = try await server.user("ann@example.com")
            var user = try #require(try await server.user(email: "ann@example.com"))
            user.isActive = false
            try await UserStore.update(user, on: server.sql)
            let login = try await server.send(.POST, "/token", json: ["username": "ann@example.com", "password": "password123"])
            #expect(login.status == .badRequest)
            #expect(login.detail == "Inactive user")
        }
    }

    @Test(arguments: [
        (#"{"username": "a@example.com"}"#, ["body", "password"], "missing"),
        (#"{"password": "password123"}"#, ["body", "username"], "missing"),
        (#"{"username": "", "password": "password123"}"#, ["body", "username"], "string_too_short"),
        (#"{"username": 5, "password": "password123"}"#, ["body", "username"], "string_type"),
        (#"{"username": "a@example.com", "#, ["body"], "json_invalid"),
        ("", ["body"], "missing"),
    ])
    func badLoginBodiesAre422(body: String, loc: [String], type: String) async throws {
        try await withServer { server in
            let response = try await server.send(.POST, "/token", body: body, headers: [("Content-Type", "application/json")])
            #expect(response.status == .unprocessableEntity)
            #expect(response.firstIssue?.loc == loc)
            #expect(response.firstIssue?.type == type)
        }
    }

    @Test func formWithoutPasswordIs422() async throws {
        try await withServer { server in
            let response = try await server.send(
                .POST, "/token", body: "username=a%40example.com", headers: [("Content-Type", "application/x-www-form-urlencoded")])
            #expect(response.status == .unprocessableEntity)
            #expect(response.firstIssue?.loc == ["body", "password"])
        }
    }

    @Test func repeatedFailuresAreRateLimited() async throws {
        try await withServer({ $0.loginRateLimit = 3 }) { server in
            _ = try await server.user("ann@example.com")
            for _ in 0..<3 {
                let failed = try await server.send(.POST, "/token", json: ["username": "ann@example.com", "password": "wrong-pass"])
                #expect(failed.status == .badRequest)
            }
            let limited = try await server.send(.POST, "/token", json: ["username": "ann@example.com", "password": "password123"])
            #expect(limited.status == .tooManyRequests)
            #expect(Int(limited.headers.first(name: "Retry-After") ?? "") ?? 0 > 0)
            #expect(limited.detail?.isEmpty == false)
        }
    }
}
