import Vapor

struct AuthController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.post("token", use: login)
        routes.post("api", "v1", "login", "access-token", use: login)
    }

    @Sendable
    func login(request: Request) async throws -> TokenResponse {
        let credentials = try LoginRequest.decode(from: request)
        return try await request.application.parley.auth.login(
            email: credentials.username, password: credentials.password,
            clientAddress: request.clientAddress, auditor: request.auditor, on: request.sql)
    }
}
