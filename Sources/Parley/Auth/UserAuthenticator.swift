import Vapor

/// Requires a valid bearer token for an existing, active user, issued under the user's current
/// token version (see `AccessToken`); the user is then `request.currentUser`.
struct UserAuthenticator: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let header = request.headers.first(name: .authorization) else { throw Abort.notAuthenticated }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw Abort.notAuthenticated }
        let token = parts[1].trimmingCharacters(in: .whitespaces)

        guard let claims = await request.application.parley.tokens.verify(token),
              let userID = UUID(canonicalText: claims.sub.value),
              let user = try await UserStore.find(id: userID, on: request.sql),
              (claims.ver ?? 0) == user.tokenVersion
        else { throw Abort.invalidCredentials }
        guard user.isActive else { throw Abort.inactiveUser }
        request.currentUser = user
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

    fileprivate(set) var currentUser: UserRow? {
        get { storage[CurrentUserKey.self] }
        set { storage[CurrentUserKey.self] = newValue }
    }

    func requireUser() throws -> UserRow {
        guard let user = currentUser else { throw Abort.notAuthenticated }
        return user
    }
}
