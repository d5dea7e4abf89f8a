import Vapor

/// Requires a valid bearer credential for an existing, active user: a token issued under the
/// user's current token version (see `AccessToken`), or an API key (`pk-…`, see `APIKeySecret`)
/// whose row still exists, read on every request so a revoked key is refused at once. The user
/// is then `request.currentUser`, and `request.apiKeyID` says whether a key signed the request.
struct UserAuthenticator: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let header = request.headers.first(name: .authorization) else { throw Abort.notAuthenticated }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw Abort.notAuthenticated }
        let token = parts[1].trimmingCharacters(in: .whitespaces)

        let user: UserRow
        if token.hasPrefix(APIKeySecret.marker) {
            let parley = request.application.parley
            guard let parts = APIKeySecret.split(token),
                  let found = try await APIKeyStore.findWithUser(prefix: parts.prefix, on: request.sql),
                  parley.apiKeySecret.matches(parts.secret, storedHash: found.hash)
            else { throw Abort.invalidCredentials }
            user = found.user
            request.apiKeyID = found.keyID
            parley.keyUses.used(found.keyID)
        } else {
            guard let claims = await request.application.parley.tokens.verify(token),
                  let userID = UUID(canonicalText: claims.sub.value),
                  let found = try await UserStore.find(id: userID, on: request.sql),
                  (claims.ver ?? 0) == found.tokenVersion
            else { throw Abort.invalidCredentials }
            user = found
        }
        guard user.isActive else { throw Abort.inactiveUser }
        request.currentUser = user
        return try await next.respond(to: request)
    }
}

/// Refuses requests signed with an API key (goes after `UserAuthenticator`): managing keys and
/// changing the password or email need a password sign-in.
struct TokenOnlyGuard: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        try request.requireToken()
        return try await next.respond(to: request)
    }
}

/// Lets only superusers through; goes after `UserAuthenticator`.
struct SuperuserGuard: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard try request.requireUser().isSuperuser else { throw Abort.notEnoughPrivileges }
        return try await next.respond(to: request)
    }
}

extension Request {
    private struct CurrentUserKey: StorageKey { typealias Value = UserRow }
    private struct APIKeyIDKey: StorageKey { typealias Value = UUID }

    /// The API key that signed the request; nil for a token.
    fileprivate(set) var apiKeyID: UUID? {
        get { storage[APIKeyIDKey.self] }
        set { storage[APIKeyIDKey.self] = newValue }
    }

    /// Throws 403 when an API key signed the request.
    func requireToken() throws {
        if apiKeyID != nil { throw Abort.apiKeyNotAllowed }
    }

    fileprivate(set) var currentUser: UserRow? {
        get { storage[CurrentUserKey.self] }
        set { storage[CurrentUserKey.self] = newValue }
    }

    func requireUser() throws -> UserRow {
        guard let user = currentUser else { throw Abort.notAuthenticated }
        return user
    }
}
