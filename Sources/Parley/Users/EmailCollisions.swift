import Foundation
import Logging
import SQLKit

/// Accounts whose stored email is not canonical because another account has its canonical form
/// (left so by `UpdateUsersCanonicalEmails`). Each still signs in with its email as stored, but
/// any other spelling of the second reaches the first: an admin should rename or merge them.
/// Named at every start, by id (addresses stay out of logs).
enum EmailCollisions {
    static func ids(on db: any SQLDatabase) async throws -> [UUID] {
        typealias Column = UserStore.Column
        let rows = try await db.select().columns(Column.id, Column.email).from(UserStore.table).all()
        let accounts = try rows.map { (id: try $0.decodeID(Column.id), email: try $0.decode(column: Column.email, as: String.self)) }
        let emails = Set(accounts.map(\.email))
        return accounts.filter {
            let canonical = EmailAddress.canonical($0.email)
            return canonical != $0.email && emails.contains(canonical)
        }.map(\.id)
    }

    static func warn(on db: any SQLDatabase, logger: Logger) async throws {
        let ids = try await ids(on: db)
        guard !ids.isEmpty else { return }
        let shown = ids.prefix(20).map(\.lowercasedString).joined(separator: ", ")
        logger.warning("""
            users: \(ids.count) account(s) keep an email whose canonical form belongs to another account \
            (\(shown)\(ids.count > 20 ? ", …" : "")); each signs in with its email exactly as stored; rename or merge them
            """)
    }
}
