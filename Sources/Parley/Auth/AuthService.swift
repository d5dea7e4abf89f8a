import SQLKit
import Vapor

/// The login rule: a limit on wrong passwords, constant-cost password check, then a token.
struct AuthService: Sendable {
    let hasher: any PasswordHashing
    let tokens: TokenIssuer
    let limiter: RateLimiter

    /// Signs in; every answered attempt, right or wrong, leaves an audit entry (`login.ok`,
    /// `login.failed` naming the address tried).
    func login(email rawEmail: String, password: String, clientAddress: String?, auditor: Auditor? = nil, on db: any SQLDatabase) async throws -> TokenResponse {
        let email = EmailAddress.canonical(rawEmail)
        let emailKey = "email:" + email
        let keys = [emailKey] + (clientAddress.map { ["address:" + ClientAddress.limitKey($0)] } ?? [])
        let refusal = "Too many failed login attempts"
        // Failures are counted after the check, not attempts before it: see WrongPasswordLimit.
        try await limiter.admitPasswordCheck(keys, refusal: refusal)
        let user = try await UserStore.find(firstOf: EmailAddress.signInForms(rawEmail), on: db)
        let matches = try await hasher.verify(password, against: user?.passwordHash)
        try await limiter.judgePasswordCheck(keys, matched: matches, refusal: refusal)
        guard matches, let user else {
            if let auditor { try await AuditStore.append(auditor.entry("login.failed", target: email, actorID: user?.id), on: db) }
            throw Abort(.badRequest, reason: "Incorrect email or password")
        }
        await limiter.reset(emailKey)
        guard user.isActive else {
            if let auditor { try await AuditStore.append(auditor.entry("login.inactive", target: email, actorID: user.id), on: db) }
            throw Abort(.badRequest, reason: "Inactive user")
        }
        if let auditor { try await AuditStore.append(auditor.entry("login.ok", target: email, actorID: user.id), on: db) }
        let token = try await tokens.issue(userID: user.id, version: user.tokenVersion)
        return TokenResponse(access_token: token, expires_in: Int(tokens.lifetime))
    }
}
