import Foundation

/// Where the data lives, parsed from `DATABASE_URL`.
public enum DatabaseLocation: Sendable, Equatable {
    /// `sqlite://PATH`: everything after the scheme is the file path, relative to the working directory.
    case sqliteFile(path: String)
    case sqliteMemory
    /// `postgres://user:pass@host:5432/db` (also `postgresql://`), kept as given for the driver.
    case postgres(url: String)

    var isSQLite: Bool {
        if case .postgres = self { return false }
        return true
    }

    public init(url: String) throws {
        let variable = "DATABASE_URL"
        guard let separator = url.range(of: "://") else {
            throw SettingsError(variable: variable, problem: "expected sqlite://PATH or postgres://user:pass@host:port/db")
        }
        let scheme = url[..<separator.lowerBound].lowercased()
        let rest = String(url[separator.upperBound...])
        switch scheme {
        case "sqlite":
            guard !rest.isEmpty else { throw SettingsError(variable: variable, problem: "sqlite:// needs a file path") }
            self = rest == ":memory:" ? .sqliteMemory : .sqliteFile(path: rest)
        case "postgres", "postgresql":
            guard let components = URLComponents(string: url), components.host?.isEmpty == false else {
                throw SettingsError(variable: variable, problem: "could not read a host from the postgres URL")
            }
            self = .postgres(url: url)
        default:
            throw SettingsError(variable: variable, problem: "unsupported scheme \"\(scheme)\"")
        }
    }
}
