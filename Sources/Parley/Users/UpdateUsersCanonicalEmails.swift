import Fluent
import Foundation
import SQLKit

/// Emails were stored lowercased; they are stored in `EmailAddress.canonical` form now (NFKC and
/// case folding), so addresses stored the old way are rewritten, or no login would find them.
/// Two old accounts that fold to one address keep the first; the other keeps its old form and
/// is logged, for an admin to resolve.
struct UpdateUsersCanonicalEmails: AsyncMigration {
    func prepare(on database: any Database) async throws {
        typealias Column = UserStore.Column
        let rows = try await database.sql.select().columns(Column.id, Column.email).from(UserStore.table).all()
        for row in rows {
            let email = try row.decode(column: Column.email, as: String.self)
            let canonical = EmailAddress.canonical(email)
            guard canonical != email else { continue }
            let id = try row.decodeID(Column.id)
            do {
                try await database.sql.update(UserStore.table).set(Column.email, to: canonical).where(Column.id, .equal, id).run()
            } catch where error.isConstraintFailure {
                database.logger.warning("users: \(id) keeps its old email: its canonical form belongs to another account")
            }
        }
    }

    /// Canonical forms are valid lowercase-era addresses too: nothing to undo.
    func revert(on database: any Database) async throws {}
}
