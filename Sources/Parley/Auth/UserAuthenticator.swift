import Fluent
import Vapor

/// Requires a valid bearer token for an existing, active user whose password has not changed
/// since the token was issued; the user is then `request.currentUser`.
struct UserAuthenticator: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let header = request.headers.first(name: .authorization) else { throw Abort.notAuthenticated }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw Abort.notAuthenticated }
        let token = parts[1].trimmingCharacters(in: .whitespaces)

        guard let claims = await request.application.parley.tokens.verify(token),
              let userID = UUID(uuidString: claims.sub.value),
              let user = try await User.find(userID, on: request.db)
        else { throw Abort.invalidCredentials }
        if let changed = user.passwordChangedAt {
            // A token without `iat` (one from a FastAPI deployment) cannot show it is newer than the change.
            guard let issued = claims.iat?.value, issued >= changed else { throw Abort.invalidCredentials }
        }
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
    private struct CurrentUserKey: StorageKey { typealias Value = User }

    fileprivate(set) var currentUser: User? {
        get { storage[CurrentUserKey.self] }
        set { storage[CurrentUserKey.self] = newValue }
    }

    func requireUser() throws -> User {
        guard let user = currentUser else { throw Abort.notAuthenticated }
        return user
    }
}
