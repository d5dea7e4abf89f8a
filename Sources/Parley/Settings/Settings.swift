import Foundation
import Logging
import NIOCore

/// Everything Parley reads from its environment, read once at start-up and validated there, so a
/// bad value stops the server with a message instead of failing a request later.
public struct Settings: Sendable {
    public enum Provider: String, Sendable, CaseIterable {
        case openai, ollama, anthropic
    }

    public var environment: String
    public var host: String
    public var port: Int
    public var database: DatabaseLocation
    public var accessTokenLifetime: TimeInterval
    public var firstSuperuser: (email: String, password: String)?
    public var openRegistration: Bool
    public var llmProvider: Provider
    public var llmBaseURL: String
    public var llmAPIKey: String?
    public var llmModel: String?
    public var llmSystemPrompt: String?
    public var llmTimeoutSeconds: Double
    public var llmContextTokens: Int
    public var corsOrigins: [String]
    public var loginRateLimit: Int
    public var chatRateLimit: Int
    public var signupRateLimit: Int
    public var logLevel: Logger.Level
    /// PostgreSQL connections per process (spread over the event loops); SQLite keeps one per loop.
    public var databasePoolSize: Int
    /// How long a request waits for a PostgreSQL connection before it answers 503: with the
    /// database down, quickly, rather than after the pool's default 10 s.
    public var databaseWaitSeconds: Double = 3
    /// Threads that hash passwords, apart from the ones that run database work.
    public var passwordHashThreads: Int
    /// Bcrypt's cost; 12 in every real deployment, lowered only by tests.
    public var passwordHashCost: Int = 12
    /// The longest a login, sign-up or password change may expect to wait for a hashing thread
    /// (the hashes ahead of it × their measured cost ÷ threads); past it they answer 503.
    public var passwordHashMaxWaitSeconds: Double = 10
    /// How long connecting to the provider may take (AsyncHTTPClient retries a refused connection
    /// until then), so an unreachable provider is a quick 503.
    public var llmConnectTimeoutSeconds: Double = 3
    /// Silence after which a streamed reply gets a `: keep-alive` comment.
    public var sseKeepAliveSeconds: Int = 15
    /// The most text one reply may hold; past it the turn fails (502) and nothing is stored.
    public var llmMaxReplyBytes: Int = 1 << 20
    /// The longest one turn's provider call may take, however steadily it streams.
    public var llmMaxTurnSeconds: Double = 600
    /// Connections kept open to the provider; a streamed chat holds one for its whole reply.
    public var llmMaxConnections: Int = 1000
    /// Reverse proxies whose `X-Forwarded-For` is believed for the client address.
    public var trustedProxies: [IPNetwork] = []
    public var logFormat: LogFormat = .text
    /// How long audit entries are kept (`AUDIT_RETENTION_DAYS`).
    public var auditRetentionDays: Int = 365
    /// A connection with nothing read or written for this long is closed. A non-streamed chat
    /// is silent while the model answers, so the default outlasts the longest turn.
    public var httpIdleTimeoutSeconds: Double = 660
    /// On SIGTERM, how long running replies may finish before they are saved as `interrupted`.
    public var shutdownGraceSeconds: Double = 30
    /// The HS256 key: `SECRET_KEY`, or the one kept in `data/secret.key` (see `SecretKeyStore`).
    /// Declared last so `load` resolves it last.
    public var secretKey: String

    public var isProduction: Bool { environment == "production" }
}

/// A start-up configuration error that names the variable and what is wrong with it.
public struct SettingsError: Error, CustomStringConvertible, Equatable {
    public let variable: String
    public let problem: String

    public var description: String { "\(variable): \(problem)" }
}

extension Settings {
    /// Reads and validates every variable of API.md's configuration table. The secret key comes
    /// last: without `SECRET_KEY` it is read from `dataDirectory/secret.key`, or made and kept
    /// there, and only once everything else is known to be valid.
    public static func load(
        from env: [String: String] = ProcessInfo.processInfo.environment, dataDirectory: String = "data"
    ) throws -> Settings {
        let reader = Reader(env: env)
        let environment = reader.string("ENVIRONMENT") ?? "development"
        let llmMaxTurnSeconds = try reader.seconds("LLM_MAX_TURN_SECONDS", default: 600)
        return Settings(
            environment: environment,
            host: reader.string("HOST") ?? "127.0.0.1",
            port: try reader.integer("PORT", default: 8000, range: 1...65535),
            database: try DatabaseLocation(url: reader.string("DATABASE_URL") ?? "sqlite://data/parley.sqlite"),
            accessTokenLifetime: TimeInterval(
                try reader.integer("ACCESS_TOKEN_EXPIRE_MINUTES", default: 11520, range: 1...5_256_000) * 60),
            firstSuperuser: try reader.firstSuperuser(),
            openRegistration: try reader.boolean("OPEN_REGISTRATION", default: true),
            llmProvider: try reader.choice("LLM_PROVIDER", default: .openai, naming: "provider"),
            llmBaseURL: try reader.url("LLM_BASE_URL", default: "http://127.0.0.1:8080/v1"),
            llmAPIKey: reader.string("LLM_API_KEY"),
            llmModel: reader.string("LLM_MODEL"),
            llmSystemPrompt: reader.string("LLM_SYSTEM_PROMPT"),
            llmTimeoutSeconds: try reader.seconds("LLM_TIMEOUT_SECONDS", default: 120),
            llmContextTokens: try reader.integer("LLM_CONTEXT_TOKENS", default: 4096, range: 256...10_000_000),
            corsOrigins: (reader.string("CORS_ORIGINS") ?? "")
                .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty },
            loginRateLimit: try reader.integer("LOGIN_RATE_LIMIT", default: 10, range: 0...1_000_000),
            chatRateLimit: try reader.integer("CHAT_RATE_LIMIT", default: 60, range: 0...1_000_000),
            signupRateLimit: try reader.integer("SIGNUP_RATE_LIMIT", default: 1000, range: 0...1_000_000),
            logLevel: try reader.choice("LOG_LEVEL", default: .info, naming: "level"),
            // A turn holds a connection for a few statements, and a burst of them must not wait 3 s for one.
            databasePoolSize: try reader.integer("DATABASE_POOL_SIZE", default: max(8, 4 * System.coreCount), range: 1...1000),
            passwordHashThreads: try reader.integer("PASSWORD_HASH_THREADS", default: max(1, System.coreCount / 2), range: 1...256),
            llmMaxReplyBytes: try reader.integer("LLM_MAX_REPLY_BYTES", default: 1 << 20, range: 1024...(256 << 20)),
            llmMaxTurnSeconds: llmMaxTurnSeconds,
            llmMaxConnections: try reader.integer("LLM_MAX_CONNECTIONS", default: 1000, range: 1...100_000),
            trustedProxies: try IPNetwork.list(reader.string("TRUSTED_PROXIES"), variable: "TRUSTED_PROXIES"),
            logFormat: try reader.choice("LOG_FORMAT", default: .text, naming: "format"),
            auditRetentionDays: try reader.integer("AUDIT_RETENTION_DAYS", default: 365, range: 1...36_500),
            httpIdleTimeoutSeconds: try reader.seconds("HTTP_IDLE_TIMEOUT_SECONDS", default: llmMaxTurnSeconds + 60),
            shutdownGraceSeconds: try reader.seconds("SHUTDOWN_GRACE_SECONDS", default: 30),
            secretKey: try reader.secretKey(production: environment == "production", dataDirectory: dataDirectory)
        )
    }
}

/// Reads one variable at a time; empty values count as unset.
private struct Reader {
    let env: [String: String]

    func string(_ name: String) -> String? {
        guard let value = env[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    func integer(_ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let raw = string(name) else { return value }
        guard let number = Int(raw) else {
            throw SettingsError(variable: name, problem: "expected a whole number, got \"\(raw)\"")
        }
        guard range.contains(number) else {
            throw SettingsError(variable: name, problem: "must be between \(range.lowerBound) and \(range.upperBound), got \(number)")
        }
        return number
    }

    func seconds(_ name: String, default value: Double) throws -> Double {
        guard let raw = string(name) else { return value }
        guard let number = Double(raw), number.isFinite, number > 0, number <= 86_400 else {
            throw SettingsError(variable: name, problem: "expected a number of seconds between 0 and 86400, got \"\(raw)\"")
        }
        return number
    }

    func boolean(_ name: String, default value: Bool) throws -> Bool {
        guard let raw = string(name) else { return value }
        switch raw.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw SettingsError(variable: name, problem: "expected true or false, got \"\(raw)\"")
        }
    }

    func url(_ name: String, default value: String) throws -> String {
        let raw = string(name) ?? value
        guard let url = URL(string: raw), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              url.host?.isEmpty == false
        else {
            throw SettingsError(variable: name, problem: "expected an http:// or https:// URL, got \"\(raw)\"")
        }
        return raw.hasSuffix("/") ? String(raw.dropLast()) : raw
    }

    /// A variable that names one of a fixed set, case-insensitively. `naming` says what it names
    /// in the error (`unknown provider "bard" (expected one of: openai, ollama, anthropic)`).
    func choice<T: RawRepresentable & CaseIterable>(
        _ name: String, default value: T, naming what: String
    ) throws -> T where T.RawValue == String {
        guard let raw = string(name) else { return value }
        guard let chosen = T.allCases.first(where: { $0.rawValue == raw.lowercased() }) else {
            let known = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw SettingsError(variable: name, problem: "unknown \(what) \"\(raw)\" (expected one of: \(known))")
        }
        return chosen
    }

    /// `SECRET_KEY` as given (at least `SecretKeyStore.minimumBytes` in production, where it is
    /// required); elsewhere, when unset, the key kept in `dataDirectory`.
    func secretKey(production: Bool, dataDirectory: String) throws -> String {
        let minimum = SecretKeyStore.minimumBytes
        guard let key = string("SECRET_KEY") else {
            if production { throw SettingsError(variable: "SECRET_KEY", problem: "is required when ENVIRONMENT=production") }
            return try SecretKeyStore.kept(in: dataDirectory)
        }
        if production, key.utf8.count < minimum {
            throw SettingsError(variable: "SECRET_KEY", problem: "must be at least \(minimum) bytes when ENVIRONMENT=production")
        }
        return key
    }

    func firstSuperuser() throws -> (email: String, password: String)? {
        switch (string("FIRST_SUPERUSER"), env["FIRST_SUPERUSER_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }) {
        case (nil, nil):
            return nil
        case (.some, nil):
            throw SettingsError(variable: "FIRST_SUPERUSER_PASSWORD", problem: "must be set when FIRST_SUPERUSER is")
        case (nil, .some):
            throw SettingsError(variable: "FIRST_SUPERUSER", problem: "must be set when FIRST_SUPERUSER_PASSWORD is")
        case let (raw?, password?):
            let email = EmailAddress.canonical(raw)
            guard EmailAddress.isValid(email) else {
                throw SettingsError(variable: "FIRST_SUPERUSER", problem: "\"\(raw)\" is not a valid email address")
            }
            let length = Limits.User.password
            guard length.contains(password.unicodeScalars.count) else {
                throw SettingsError(variable: "FIRST_SUPERUSER_PASSWORD", problem: "must be \(length.lowerBound) to \(length.upperBound) characters")
            }
            return (email, password)
        }
    }
}
