import Foundation
import Vapor

struct OpenAPIController: RouteCollection {
    /// Encoded once: the document never changes while the server runs.
    private static let body: Data = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? encoder.encode(OpenAPIDocument.document)) ?? Data("{}".utf8)
    }()

    func boot(routes: any RoutesBuilder) throws {
        routes.get("openapi.json", use: document)
    }

    @Sendable
    func document(request: Request) async throws -> Response {
        Response(status: .ok, headers: ["Content-Type": "application/json"], body: .init(data: Self.body))
    }
}
