import Foundation

/// Keeps a generated signing key in the data folder so tokens survive restarts when no
/// `SECRET_KEY` is configured.
enum SecretKeyStore {
    static func resolve(_ settings: Settings) throws -> String {
        if let key = settings.secretKey { return key }
        let fileManager = FileManager.default
        let path = (settings.dataDirectory as NSString).appendingPathComponent("secret.key")
        if let data = fileManager.contents(atPath: path), let key = String(data: data, encoding: .utf8), key.utf8.count >= 32 {
            return key.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        try fileManager.createDirectory(atPath: settings.dataDirectory, withIntermediateDirectories: true)
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = generator.next() }
        // Hex keeps the file printable and the key usable as a FastAPI-style SECRET_KEY string.
        let key = bytes.map { String(format: "%02x", $0) }.joined()
        guard fileManager.createFile(atPath: path, contents: Data(key.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw SettingsError(variable: "SECRET_KEY", problem: "unset, and \(path) could not be written")
        }
        return key
    }
}
