import Foundation
import Logging

/// Keeps a generated signing key in the data folder so tokens survive restarts when no
/// `SECRET_KEY` is configured.
enum SecretKeyStore {
    /// HS256 keys shorter than its 256-bit output make tokens cheaper to forge by brute force.
    static let minimumBytes = 32

    /// The key kept in `dataDirectory/secret.key`, made and kept there the first time. Read by
    /// `Settings.load` when `SECRET_KEY` is unset.
    static func kept(in dataDirectory: String) throws -> String {
        let path = (dataDirectory as NSString).appendingPathComponent("secret.key")
        do {
            try PrivateFiles.createDirectory(dataDirectory)
            if let key = try read(path) { return key }
            let key = generate()
            if try PrivateFiles.createExclusively(path, contents: Array(key.utf8)) { return key }
            // Another process starting beside this one wrote it first: use theirs.
            guard let theirs = try read(path) else { throw problem(path, "is empty") }
            return theirs
        } catch let failure as PrivateFiles.Failure {
            throw SettingsError(variable: "SECRET_KEY", problem: "unset, and \(failure)")
        }
    }

    /// Production refuses a short `SECRET_KEY` when the settings load; elsewhere it is used with
    /// this warning at start-up, so a development setup keeps starting.
    static func warnIfShort(_ key: String, logger: Logger) {
        if key.utf8.count < minimumBytes {
            logger.warning("SECRET_KEY is shorter than \(minimumBytes) bytes: tokens signed with it are easier to forge; ENVIRONMENT=production refuses it")
        }
    }

    /// The kept key, or nil when there is no file yet. A file others can read is refused rather
    /// than tightened: the key may already have been copied, so it should be replaced, not kept.
    private static func read(_ path: String) throws -> String? {
        guard let mode = try PrivateFiles.mode(of: path) else { return nil }
        guard mode & PrivateFiles.groupAndOtherBits == 0 else {
            throw problem(path, "is readable by others (mode \(String(mode, radix: 8))): run chmod 600 on it, or delete it to have a new key generated (signed-in users must then sign in again)")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw problem(path, "could not be read") }
        let key = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard key.utf8.count >= minimumBytes else {
            throw problem(path, "holds no key of at least \(minimumBytes) bytes; delete it to have a new one generated")
        }
        return key
    }

    private static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        // Hex keeps the file printable and the key usable as a FastAPI-style SECRET_KEY string.
        return bytes.map { String(format: "%02x", $0) }.joined()
    }

    private static func problem(_ path: String, _ text: String) -> SettingsError {
        SettingsError(variable: "SECRET_KEY", problem: "unset, and \(path) \(text)")
    }
}
