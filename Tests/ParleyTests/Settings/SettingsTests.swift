import Foundation
import Testing
@testable import Parley

@Suite struct SettingsTests {
    @Test func defaultsMatchTheContract() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("parley-key-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let settings = try Settings.load(from: [:], dataDirectory: folder.path)
        #expect(settings.host == "127.0.0.1")
        #expect(settings.port == 8000)
        #expect(settings.database == .sqliteFile(path: "data/parley.sqlite"))
        #expect(settings.accessTokenLifetime == 11520 * 60)
        #expect(settings.openRegistration)
        #expect(settings.llmProvider == .openai)
        #expect(settings.llmBaseURL == "http://127.0.0.1:8080/v1")
        #expect(settings.llmTimeoutSeconds == 120)
        #expect(settings.llmContextTokens == 4096)
        #expect(settings.loginRateLimit == 10)
        #expect(settings.chatRateLimit == 60)
        #expect(settings.logLevel == .info)
        #expect(settings.passwordHashCost == 12)
        #expect(settings.firstSuperuser == nil)
        #expect(settings.logFormat == .text)
        #expect(settings.secretKey.utf8.count == 64, "generated, and kept in the data folder")
    }

    @Test(arguments: [
        ("sqlite:///var/lib/parley.db", DatabaseLocation.sqliteFile(path: "/var/lib/parley.db")),
        ("sqlite://data/parley.sqlite", .sqliteFile(path: "data/parley.sqlite")),
        ("sqlite://:memory:", .sqliteMemory),
        ("postgres://u:p@db:5432/parley", .postgres(url: "postgres://u:p@db:5432/parley")),
        ("postgresql://u@localhost/parley", .postgres(url: "postgresql://u@localhost/parley")),
    ])
    func databaseURLs(url: String, expected: DatabaseLocation) throws {
        #expect(try DatabaseLocation(url: url) == expected)
    }

    @Test(arguments: [
        (["DATABASE_URL": "mysql://x"], SettingsError(variable: "DATABASE_URL", problem: "unsupported scheme \"mysql\"")),
        (["PORT": "eighty"], SettingsError(variable: "PORT", problem: "expected a whole number, got \"eighty\"")),
        (["PORT": "70000"], SettingsError(variable: "PORT", problem: "must be between 1 and 65535, got 70000")),
        (["OPEN_REGISTRATION": "maybe"], SettingsError(variable: "OPEN_REGISTRATION", problem: "expected true or false, got \"maybe\"")),
        (["LLM_PROVIDER": "bard"], SettingsError(variable: "LLM_PROVIDER", problem: "unknown provider \"bard\" (expected one of: openai, ollama, anthropic)")),
        (["ENVIRONMENT": "production"], SettingsError(variable: "SECRET_KEY", problem: "is required when ENVIRONMENT=production")),
        (["ENVIRONMENT": "production", "SECRET_KEY": "short"], SettingsError(variable: "SECRET_KEY", problem: "must be at least 32 bytes when ENVIRONMENT=production")),
        (["FIRST_SUPERUSER": "root@example.com"], SettingsError(variable: "FIRST_SUPERUSER_PASSWORD", problem: "must be set when FIRST_SUPERUSER is")),
    ])
    func badValuesNameTheVariable(env: [String: String], expected: SettingsError) {
        #expect(throws: expected) { try Settings.load(from: env) }
    }

    @Test(arguments: ["LLM_BASE_URL", "LOG_LEVEL", "LLM_TIMEOUT_SECONDS", "ACCESS_TOKEN_EXPIRE_MINUTES"])
    func otherBadValuesAreRefused(variable: String) {
        let error = #expect(throws: SettingsError.self) { try Settings.load(from: [variable: "nonsense value"]) }
        #expect(error?.variable == variable)
    }

    @Test func aConfiguredKeyIsUsedAsGivenAndNotKept() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("parley-key-\(UUID().uuidString)")
        let key = "  a key with spaces inside, as FastAPI apps allow  "
        let settings = try Settings.load(from: ["SECRET_KEY": key], dataDirectory: folder.path)
        #expect(settings.secretKey == key.trimmingCharacters(in: .whitespaces))
        #expect(!FileManager.default.fileExists(atPath: folder.path))
    }

    /// Every variable that names one of a fixed set is read the same way: any case, and one
    /// message naming what was expected.
    @Test(arguments: [
        ("LLM_PROVIDER", "Anthropic", "unknown provider \"bard\" (expected one of: openai, ollama, anthropic)"),
        ("LOG_LEVEL", "WARNING", "unknown level \"bard\" (expected one of: trace, debug, info, notice, warning, error, critical)"),
        ("LOG_FORMAT", "Json", "unknown format \"bard\" (expected one of: text, json)"),
    ])
    func choicesAreReadAlike(variable: String, valid: String, problem: String) throws {
        let settings = try Settings.loadForTests([variable: valid])
        let chosen: String = switch variable {
        case "LLM_PROVIDER": settings.llmProvider.rawValue
        case "LOG_LEVEL": settings.logLevel.rawValue
        default: settings.logFormat.rawValue
        }
        #expect(chosen == valid.lowercased())
        #expect(throws: SettingsError(variable: variable, problem: problem)) { try Settings.loadForTests([variable: "bard"]) }
    }

    @Test func productionWithALongKeyStarts() throws {
        let settings = try Settings.load(from: ["ENVIRONMENT": "production", "SECRET_KEY": String(repeating: "k", count: 32)])
        #expect(settings.isProduction)
    }

    @Test func generatedKeyIsKeptPrivatelyAndReused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("parley-key-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appendingPathComponent("nested").path
        let first = try Settings.load(from: [:], dataDirectory: data).secretKey
        let second = try Settings.load(from: [:], dataDirectory: data).secretKey
        #expect(first.utf8.count == 64)
        #expect(first == second)
        let path = folder.appendingPathComponent("nested/secret.key").path
        let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
    }
}
