import Foundation
import Testing
import Vapor
@testable import Parley

/// Browsers get no room to sniff, leak referrers or run anything the API did not mean to serve.
@Suite struct SecurityHeadersTests {
    @Test func everyResponseHasThem() async throws {
        try await withServer { server in
            for response in [
                try await server.send(.GET, "/health"),
                try await server.send(.GET, "/api/v1/users/me"),
                try await server.send(.GET, "/no/such/path"),
            ] {
                #expect(response.headers.first(name: "X-Content-Type-Options") == "nosniff")
                #expect(response.headers.first(name: "Referrer-Policy") == "no-referrer")
                #expect(response.headers.first(name: "Content-Security-Policy") == "default-src 'none'; frame-ancestors 'none'")
            }
        }
    }

    /// Answers the way the chat page does: HTML under a policy of its own.
    private struct PageWithItsOwnPolicy: Responder {
        func respond(to request: Request) -> EventLoopFuture<Response> {
            request.eventLoop.makeSucceededFuture(
                Response(status: .ok, headers: ["Content-Security-Policy": "default-src 'self'"], body: "<p>hi</p>"))
        }
    }

    @Test func aResponsesOwnPolicyIsKept() async throws {
        let app = try await Application.make(.testing)
        let request = Request(application: app, on: app.eventLoopGroup.next())
        let response = try await SecurityHeadersMiddleware().respond(to: request, chainingTo: PageWithItsOwnPolicy()).get()
        try await app.asyncShutdown()
        #expect(response.headers["Content-Security-Policy"] == ["default-src 'self'"])
        #expect(response.headers.first(name: "X-Content-Type-Options") == "nosniff")
    }
}
