import SQLKit
import Vapor

/// The login rule: rate limit, constant-cost password check, then a token.
struct AuthService: Sendable {
    let hasher: any PasswordHashing
    let tokens: TokenIssuer
    let limiter: RateLimiter

    func login(email rawEmail: String, password: String, clientAddress: String?, on db: any SQLDatabase) async throws -> TokenResponse {
        let email = EmailAddress.canonical(rawEmail)
        let emailKey = "email:" + email
        let keys = [emailKey] + (clientAddress.map { ["address:" + $0] } ?? [])
        // Counted before the hash is checked; a success takes it back.
        if let wait = await limiter.acquire(keys) {
            throw Abort.tooManyRequests(retryAfter: wait, "Too many failed login attempts")
        }
        let user: UserRow?
        let matches: Bool
        do {
            user = try await UserStore.find(email: email, on: db)
            matches = try await hasher.verify(password, against: user?.passwordHash)
        } catch {
            await limiter.refund(keys)
            throw error
        }
        guard matches, let user else {
            throw Abort(.badRequest, reason: "Incorrect email or password")
        }
        await limiter.refund(keys)
        await limiter.reset(emailKey)
        guard user.isActive else { throw Abort(.badRequest, reason: "Inactive user") }
        let token = try await tokens.issue(userID: user.id, version: user.tokenVersion)
        return TokenResponse(access_token: token, expires_in: Int(tokens.lifetime))
    }
}
