import Vapor

/// The OAuth2 password flow's fields, from JSON or from a form (`grant_type` and `scope` ignored).
struct LoginRequest: Decodable {
    var username: String
    var password: String

    static func decode(from request: Request) throws -> LoginRequest {
        let login: LoginRequest
        if request.headers.contentType == .urlEncodedForm {
            // A body that is not a form reads as one without the required fields, as FastAPI answers it.
            let fields = (try? request.content.decode([String: String].self, as: .urlEncodedForm)) ?? [:]
            guard let username = fields["username"] else { throw ValidationFailure.missing(["body", "username"]) }
            guard let password = fields["password"] else { throw ValidationFailure.missing(["body", "password"]) }
            login = LoginRequest(username: username, password: password)
        } else {
            login = try request.decodeJSON(LoginRequest.self)
        }
        _ = try TextRule.check(login.username, at: ["body", "username"], length: Limits.Login.username)
        _ = try TextRule.check(login.password, at: ["body", "password"], length: Limits.Login.password)
        return login
    }
}

struct TokenResponse: Content {
    var access_token: String
    var token_type = "bearer"
    var expires_in: Int
}
