import Foundation
import JWT

/// The JWT Parley issues: `sub` (user id), `exp`, `iat`, and `ver`, the user's token version when
/// it was issued: a password change moves the version on, which retires every older token, even
/// one a login signed a moment after the change from the hash it read before it.
/// `ver` and `iat` are optional to keep accepting tokens from a FastAPI deployment sharing the key.
struct AccessToken: JWTPayload {
    var sub: SubjectClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim?
    var ver: Int?

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}

/// Signs and checks access tokens with the one HS256 key.
struct TokenIssuer: Sendable {
    let keys: JWTKeyCollection
    let lifetime: TimeInterval

    init(secret: String, lifetime: TimeInterval) async {
        // The key's UTF-8 bytes, as PyJWT uses a string key.
        self.keys = await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.lifetime = lifetime
    }

    func issue(userID: UUID, version: Int, now: Date = Date()) async throws -> String {
        let payload = AccessToken(
            sub: .init(value: userID.lowercasedString),
            exp: .init(value: Date(timeIntervalSince1970: (now.timeIntervalSince1970 + lifetime).rounded(.down))),
            iat: .init(value: now),
            ver: version)
        return try await keys.sign(payload)
    }

    /// The token's claims, or `nil` when it is malformed, badly signed or expired.
    func verify(_ token: String) async -> AccessToken? {
        try? await keys.verify(token, as: AccessToken.self)
    }
}
