import Fluent
import Foundation
import SQLKit

/// Emails were stored lowercased; they are stored in `EmailAddress.canonical` form now (NFKC and
/// lowercase), so addresses stored the old way are rewritten, or a look-alike could sign up again.
/// When an old address's canonical form belongs to another account (`ａnn@…` beside `ann@…`),
/// the second keeps its old form: sign-in tries the exact form first, so both stay reachable, and
/// `EmailCollisions` names them at every start for an admin to resolve.
///
/// An earlier version of this migration case-folded (`straße`→`strasse`); where it ran, those rows
/// stay folded (the fold cannot be undone) and sign-in finds them by the folded form.
struct UpdateUsersCanonicalEmails: AsyncMigration {
    func prepare(on database: any Database) async throws {
        typealias Column = UserStore.Column
        let rows = try await database.sql.select().columns(Column.id, Column.email).from(UserStore.table).all()
        var taken = Set(try rows.map { try $0.decode(column: Column.email, as: String.self) })
        for row in rows {
            let email = try row.decode(column: Column.email, as: String.self)
            let canonical = EmailAddress.canonical(email)
            guard canonical != email else { continue }
            let id = try row.decodeID(Column.id)
            guard !taken.contains(canonical) else {
                database.logger.warning("users: \(id) keeps its old email: its canonical form belongs to another account")
                continue
            }
            do {
                try await database.sql.update(UserStore.table).set(Column.email, to: canonical).where(Column.id, .equal, id).run()
                taken.remove(email)
                taken.insert(canonical)
            } catch where error.isConstraintFailure {
                database.logger.warning("users: \(id) keeps its old email: its canonical form belongs to another account")
            }
        }
    }

    /// Canonical forms are valid lowercase-era addresses too: nothing to undo.
    func revert(on database: any Database) async throws {}
}
