import Vapor

/// `/api/v1/users/me/api-keys`: a signed-in user's keys. Managing keys needs a password sign-in
/// (a token): a leaked key must not be able to mint more keys or outlive its revocation.
struct APIKeysController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let keys = routes.grouped("api", "v1", "users", "me", "api-keys")
            .grouped(UserAuthenticator()).grouped(TokenOnlyGuard())
        keys.get(use: list)
        keys.post(use: create)
        keys.delete(":key_id", use: delete)
    }

    @Sendable
    func list(request: Request) async throws -> [APIKeyPublic] {
        try await APIKeyStore.list(ownerID: request.requireUser().id, on: request.sql).map(APIKeyPublic.init)
    }

    @Sendable
    func create(request: Request) async throws -> Response {
        let user = try request.requireUser()
        let input = try request.decodeJSON(APIKeyCreateRequest.self)
        let name = try TextRule.check(input.name, at: ["body", "name"], length: Limits.APIKey.name, trim: true)
        let made = request.application.parley.apiKeySecret.generate()
        let row = APIKeyRow(id: UUID(), userID: user.id, name: name, prefix: made.prefix, secretHash: made.hash, createdAt: Date())
        let audit = request.audit("api_key.create", target: row.id.lowercasedString)
        try await request.db.sqlTransaction { tx in
            guard try await APIKeyStore.count(ownerID: user.id, on: tx) < Limits.APIKey.perUser else {
                throw Abort(.conflict, reason: "A user may have at most \(Limits.APIKey.perUser) API keys; revoke one first")
            }
            try await APIKeyStore.insert(row, on: tx)
            try await AuditStore.append(audit, on: tx)
        }
        let created = APIKeyCreated(
            id: row.id.lowercasedString, name: name, key: made.key, prefix: made.prefix, created_at: RFC3339.string(row.createdAt))
        return try await created.encodeResponse(status: .created, for: request)
    }

    /// Revoked at once: every request signed with a key reads its row.
    @Sendable
    func delete(request: Request) async throws -> HTTPStatus {
        let id = try request.uuidParameter("key_id")
        let ownerID = try request.requireUser().id
        let audit = request.audit("api_key.delete", target: id.lowercasedString)
        try await request.db.sqlTransaction { tx in
            guard try await APIKeyStore.delete(id, ownerID: ownerID, on: tx) else { throw Abort.resourceNotFound }
            try await AuditStore.append(audit, on: tx)
        }
        return .noContent
    }
}
