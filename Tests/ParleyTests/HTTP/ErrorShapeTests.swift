import Foundation
import Testing
import Vapor
@testable import Parley

@Suite struct ErrorShapeTests {
    @Test func unknownRouteAndWrongMethod() async throws {
        try await withServer { server in
            let unknown = try await server.send(.GET, "/no/such/route")
            #expect(unknown.status == .notFound)
            #expect(unknown.text == #"{"detail":"Not Found"}"#)

            let wrongMethod = try await server.send(.PUT, "/api/v1/conversations/")
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.detail == "Method Not Allowed")
            #expect(wrongMethod.headers.first(name: "Allow") == "GET, POST")
        }
    }

    @Test func bodiesOverOneMebibyteAre413() async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            let huge = String(repeating: "a", count: 1024 * 1024 + 1)
            let response = try await server.send(.POST, "/api/v1/conversations/", token: ann, json: ["title": huge])
            #expect(response.status == .payloadTooLarge)
            #expect(response.detail?.isEmpty == false)
        }
    }

    @Test(arguments: [
        (#"{"title": "#, ["body"], "json_invalid"),
        (#"[1, 2]"#, ["body"], "model_attributes_type"),
        (#""just a string""#, ["body"], "model_attributes_type"),
        ("\u{FF}\u{FE}", ["body"], "json_invalid"),
    ])
    func malformedBodiesAre422(body: String, loc: [String], type: String) async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            let response = try await server.send(.POST, "/api/v1/conversations/", token: ann, body: body, headers: [("Content-Type", "application/json")])
            #expect(response.status == .unprocessableEntity, "\(response.text)")
            #expect(response.firstIssue?.loc == loc)
            #expect(response.firstIssue?.type == type)
        }
    }

    @Test func pathIDThatIsNotAUUIDIs422() async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            let response = try await server.send(.GET, "/api/v1/conversations/42/messages", token: ann)
            #expect(response.status == .unprocessableEntity)
            #expect(response.firstIssue?.loc == ["path", "conversation_id"])
            #expect(response.firstIssue?.type == "uuid_parsing")
        }
    }

    @Test func healthAndReadiness() async throws {
        try await withServer { server in
            let health = try await server.send(.GET, "/health")
            #expect(health.status == .ok)
            #expect(health.text == #"{"status":"ok"}"#)
            let ready = try await server.send(.GET, "/ready")
            #expect(ready.status == .ok)
        }
    }
}
