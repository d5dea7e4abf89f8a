import AsyncKit
import PostgresNIO
import Vapor

extension Abort {
    static let databaseUnavailable = Abort(
        .serviceUnavailable, headers: ["Retry-After": "1"], reason: "The database is unavailable, try again shortly")
}

extension Error {
    /// The error a client is told about: a database that cannot be reached is a 503 the client may
    /// retry, not an internal error.
    var forClient: any Error {
        isDatabaseUnreachable ? Abort.databaseUnavailable : self
    }

    /// No connection to the database could be had: refused, dropped, or none free in time.
    private var isDatabaseUnreachable: Bool {
        switch self {
        case is ConnectionPoolTimeoutError, is ConnectionPoolError:
            return true
        case let error as PSQLError:
            return [.connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection].contains(error.code)
        default:
            return false
        }
    }
}
