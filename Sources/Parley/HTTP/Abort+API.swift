import Vapor

/// The contract's fixed error bodies, in one place so every route words them the same way.
extension Abort {
    static let resourceNotFound = Abort(.notFound, reason: "Resource not found")
    static let notAuthenticated = Abort(.unauthorized, headers: ["WWW-Authenticate": "Bearer"], reason: "Not authenticated")
    static let invalidCredentials = Abort(
        .unauthorized, headers: ["WWW-Authenticate": "Bearer"], reason: "Could not validate credentials")
    static let inactiveUser = Abort(.forbidden, reason: "Inactive user")
    static let notEnoughPrivileges = Abort(.forbidden, reason: "The user doesn't have enough privileges")
    static let emailTaken = Abort(.conflict, reason: "The user with this email already exists in the system")
}
