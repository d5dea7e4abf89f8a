import Vapor

/// The contract's fixed error bodies, in one place so every route words them the same way.
extension Abort {
    static let resourceNotFound = Abort(.notFound, reason: "Resource not found")
    static let notAuthenticated = Abort(.unauthorized, headers: ["WWW-Authenticate": "Bearer"], reason: "Not authenticated")
    static let invalidCredentials = Abort(
        .unauthorized, headers: ["WWW-Authenticate": "Bearer"], reason: "Could not validate credentials")
    static let inactiveUser = Abort(.forbidden, reason: "Inactive user")
    static let notEnoughPrivileges = Abort(.forbidden, reason: "The user doesn't have enough privileges")
    static let apiKeyNotAllowed = Abort(
        .forbidden, reason: "API keys cannot manage API keys or change the password or email; sign in with your password")
    /// Retry-After is the time until the month (UTC) ends, when the budget starts again.
    static func budgetReached(retryAfter seconds: Int) -> Abort {
        Abort(.tooManyRequests, headers: ["Retry-After": String(seconds)], reason: "Monthly token budget reached")
    }
    static let emailTaken = Abort(.conflict, reason: "The user with this email already exists in the system")
    static let busyHashing = Abort(
        .serviceUnavailable, headers: ["Retry-After": "1"],
        reason: "The server is busy checking passwords, try again in a moment")

    static func tooManyRequests(retryAfter seconds: Int, _ what: String) -> Abort {
        Abort(.tooManyRequests, headers: ["Retry-After": String(seconds)], reason: "\(what), try again in \(seconds) seconds")
    }
    static let shuttingDown = Abort(
        .serviceUnavailable, headers: ["Retry-After": "1"], reason: "The server is shutting down; try again")
    static let idempotencyConflict = Abort(
        .conflict, reason: "This Idempotency-Key was already used with a different request")
    static let idempotencyInProgress = Abort(
        .conflict, headers: ["Retry-After": "1"], reason: "A request with this Idempotency-Key is still being answered")
}
