import Fluent
import Vapor

/// The login rule: rate limit, constant-cost password check, then a token.
struct AuthService: Sendable {
    let hasher: PasswordHasher
    let tokens: TokenIssuer
    let limiter: RateLimiter

    func login(email rawEmail: String, password: String, clientAddress: String?, on db: any Database) async throws -> TokenResponse {
        let email = rawEmail.trimmingCharacters(in: .whitespaces).lowercased()
        let keys = ["email:" + email] + (clientAddress.map { ["address:" + $0] } ?? [])
        if let wait = await limiter.retryAfter(for: keys) {
            throw Abort(.tooManyRequests, headers: ["Retry-After": String(wait)],
                        reason: "Too many failed login attempts, try again in \(wait) seconds")
        }
        let user = try await User.query(on: db).filter(\.$email == email).first()
        guard try await hasher.verify(password, against: user?.passwordHash), let user else {
            await limiter.record(keys)
            throw Abort(.badRequest, reason: "Incorrect email or password")
        }
        await limiter.reset("email:" + email)
        guard user.isActive else { throw Abort(.badRequest, reason: "Inactive user") }
        let token = try await tokens.issue(for: user.requireID())
        return TokenResponse(access_token: token, expires_in: Int(tokens.lifetime))
    }
}
