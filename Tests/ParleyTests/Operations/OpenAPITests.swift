import Foundation
import Testing
import Vapor
@testable import Parley

@Suite struct OpenAPITests {
    /// `/a/:id/b` and `/a/{id}/b/` both become `/a/{}/b`.
    private func normalize(_ path: String) -> String {
        "/" + path.split(separator: "/").map { $0.hasPrefix(":") || $0.hasPrefix("{") ? "{}" : String($0) }.joined(separator: "/")
    }

    @Test func documentDescribesExactlyTheRegisteredRoutes() async throws {
        try await withServer { server in
            let response = try await server.send(.GET, "/openapi.json")
            #expect(response.status == .ok)
            #expect(response.object["openapi"] as? String == "3.1.0")
            let paths = try #require(response.object["paths"] as? [String: [String: Any]])
            var documented = Set<String>()
            for (path, operations) in paths {
                for method in operations.keys { documented.insert("\(method.uppercased()) \(normalize(path))") }
            }
            let registered = Set(server.app.routes.all.map { "\($0.method.rawValue) \(normalize($0.path.map(\.description).joined(separator: "/")))" })
            #expect(documented == registered)
        }
    }

    @Test func everyReferenceResolves() async throws {
        try await withServer { server in
            let response = try await server.send(.GET, "/openapi.json")
            let schemas = try #require((response.object["components"] as? [String: Any])?["schemas"] as? [String: Any])
            let references = response.text.matches(of: /"\$ref":"#\/components\/schemas\/(\w+)"/).map { String($0.1) }
            #expect(!references.isEmpty)
            for name in Set(references) { #expect(schemas[name] != nil, "\(name)") }
        }
    }
}
