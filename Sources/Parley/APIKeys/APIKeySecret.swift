import Crypto
import Foundation

/// The shape of an API key and how it is checked. A key is `pk-` + 12 characters that find its
/// row (the `prefix`, shown in lists) + 40 characters of secret. Only an HMAC-SHA256 of the secret
/// under the server's `SECRET_KEY` is stored: the secret is 240 random bits, so a fast keyed hash
/// is as safe as bcrypt would be and costs microseconds per request instead of 0.2 s.
struct APIKeySecret: Sendable {
    static let marker = "pk-"
    static let prefixLength = 12
    static let secretLength = 40
    private let key: SymmetricKey

    init(serverSecret: String) {
        key = SymmetricKey(data: Data(serverSecret.utf8))
    }

    /// A new key: the whole text (shown once), its stored prefix, and the hash of its secret.
    func generate() -> (key: String, prefix: String, hash: String) {
        let prefix = Self.marker + Self.randomText(bytes: 9)
        let secret = Self.randomText(bytes: 30)
        return (prefix + secret, prefix, hash(secret))
    }

    /// The stored prefix and the secret of something that looks like a key, else nil.
    static func split(_ text: String) -> (prefix: String, secret: String)? {
        guard text.hasPrefix(marker), text.utf8.count == marker.utf8.count + prefixLength + secretLength,
              text.utf8.allSatisfy({ $0 < 0x80 })
        else { return nil }
        let cut = text.index(text.startIndex, offsetBy: marker.count + prefixLength)
        return (String(text[..<cut]), String(text[cut...]))
    }

    func hash(_ secret: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(secret.utf8), using: key).map { String(format: "%02x", $0) }.joined()
    }

    /// Constant-time comparison of a presented secret with a stored hash.
    func matches(_ secret: String, storedHash: String) -> Bool {
        let computed = Array(hash(secret).utf8)
        let stored = Array(storedHash.utf8)
        guard computed.count == stored.count else { return false }
        return zip(computed, stored).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Base64url without padding: `bytes` × 4/3 characters from the system's CSPRNG.
    private static func randomText(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let data = Data((0..<bytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        return data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
