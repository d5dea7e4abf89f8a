import Foundation
import SQLKit

/// A row of `users`.
struct UserRow: Sendable, Equatable {
    var id: UUID
    /// Stored canonical (see `EmailAddress`), so the unique index compares addresses as people do.
    var email: String
    var passwordHash: String
    var fullName: String?
    var isActive: Bool
    var isSuperuser: Bool
    /// Carried in every token; a password change increments it, so older tokens stop working.
    var tokenVersion: Int
    var createdAt: Date
    /// Prompt + completion tokens allowed per calendar month (UTC); nil: unlimited.
    var monthlyTokenBudget: Int? = nil
}

/// The `users` table, in explicit SQL. Table and column names live here, for the migrations too.
enum UserStore {
    static let table = "users"
    enum Column {
        static let id = "id", email = "email", passwordHash = "hashed_password", fullName = "full_name"
        static let isActive = "is_active", isSuperuser = "is_superuser", tokenVersion = "token_version"
        static let passwordChangedAt = "password_changed_at", createdAt = "created_at"
        static let monthlyTokenBudget = "monthly_token_budget"
    }
    static let columns = [
        Column.id, Column.email, Column.passwordHash, Column.fullName, Column.isActive, Column.isSuperuser,
        Column.tokenVersion, Column.createdAt, Column.monthlyTokenBudget,
    ]

    static func find(id: UUID, on db: any SQLDatabase) async throws -> UserRow? {
        try await db.select().columns(columns).from(table).where(Column.id, .equal, id).first().map(row)
    }

    static func find(email: String, on db: any SQLDatabase) async throws -> UserRow? {
        try await db.select().columns(columns).from(table).where(Column.email, .equal, email).first().map(row)
    }

    /// The account with the first of `emails` that one has (see `EmailAddress.signInForms`).
    static func find(firstOf emails: [String], on db: any SQLDatabase) async throws -> UserRow? {
        let rows = try await db.select().columns(columns).from(table).where(Column.email, .in, emails).all().map(row)
        return emails.lazy.compactMap { email in rows.first { $0.email == email } }.first
    }

    /// One page, oldest accounts first.
    static func page(skip: Int, limit: Int, on db: any SQLDatabase) async throws -> [UserRow] {
        try await db.select().columns(columns).from(table)
            .orderBy(Column.createdAt).orderBy(Column.id)
            .limit(limit).offset(skip)
            .all().map(row)
    }

    static func count(on db: any SQLDatabase) async throws -> Int {
        try await db.count(in: table)
    }

    /// Throws a constraint failure when the email is taken.
    static func insert(_ user: UserRow, on db: any SQLDatabase) async throws {
        try await db.insert(into: table)
            .columns(columns)
            .values(user.id, user.email, user.passwordHash, user.fullName, user.isActive, user.isSuperuser,
                    user.tokenVersion, user.createdAt, user.monthlyTokenBudget)
            .run()
    }

    /// Writes every field but the password (see `changePassword`). Throws a constraint failure when
    /// the email is taken.
    static func update(_ user: UserRow, on db: any SQLDatabase) async throws {
        try await db.update(table)
            .set(Column.email, to: user.email)
            .set(Column.fullName, to: user.fullName)
            .set(Column.isActive, to: user.isActive)
            .set(Column.isSuperuser, to: user.isSuperuser)
            .set(Column.monthlyTokenBudget, to: user.monthlyTokenBudget)
            .where(Column.id, .equal, user.id)
            .run()
    }

    /// Sets a new hash and moves the token version on, in one statement, so a token can only
    /// carry a version that was current together with some hash.
    static func changePassword(of id: UUID, to hash: String, on db: any SQLDatabase) async throws {
        try await db.update(table)
            .set(Column.passwordHash, to: hash)
            .set(Column.passwordChangedAt, to: Date())
            .set(Column.tokenVersion, to: SQLBinaryExpression(SQLColumn(Column.tokenVersion), .add, SQLLiteral.numeric("1")))
            .where(Column.id, .equal, id)
            .run()
    }

    /// Whether another account than `id` has one of these emails.
    static func emailTaken(_ emails: [String], except id: UUID?, on db: any SQLDatabase) async throws -> Bool {
        var query = db.select().column(Column.id).from(table).where(Column.email, .in, emails)
        if let id { query = query.where(Column.id, .notEqual, id) }
        return try await query.limit(1).first() != nil
    }

    static func delete(id: UUID, on db: any SQLDatabase) async throws {
        try await db.delete(from: table).where(Column.id, .equal, id).run()
    }

    static func row(_ row: any SQLRow) throws -> UserRow {
        UserRow(
            id: try row.decodeID(Column.id),
            email: try row.decode(column: Column.email, as: String.self),
            passwordHash: try row.decode(column: Column.passwordHash, as: String.self),
            fullName: try row.decodeOptional(Column.fullName),
            isActive: try row.decode(column: Column.isActive, as: Bool.self),
            isSuperuser: try row.decode(column: Column.isSuperuser, as: Bool.self),
            tokenVersion: try row.decode(column: Column.tokenVersion, as: Int.self),
            createdAt: try row.decodeOptional(Column.createdAt) ?? Date(timeIntervalSince1970: 0),
            monthlyTokenBudget: try row.decodeOptional(Column.monthlyTokenBudget))
    }
}
