import Fluent
import Vapor

/// Account rules: validation, unique emails, password changes that revoke older tokens.
struct UserService: Sendable {
    let hasher: PasswordHasher

    static let passwordLength = 8...128
    static let fullNameMax = 255

    func create(_ input: UserCreateRequest, allowPrivileges: Bool, on db: any Database) async throws -> User {
        let email = try EmailAddress.normalized(input.email, at: ["body", "email"])
        let password = try Self.checkPassword(input.password, at: ["body", "password"])
        let fullName = try input.fullName.map { try TextRule.check($0, at: ["body", "full_name"], min: 0, max: Self.fullNameMax) }
        let user = User(
            email: email, passwordHash: try await hasher.hash(password), fullName: fullName,
            isActive: allowPrivileges ? input.isActive ?? true : true,
            isSuperuser: allowPrivileges ? input.isSuperuser ?? false : false)
        try await Self.saveUnique(user, on: db)
        return user
    }

    /// Applies a partial update; privileges and password only when `asSuperuser`.
    func update(_ user: User, with input: UserUpdateRequest, asSuperuser: Bool, on db: any Database) async throws {
        if let email = input.email {
            user.email = try EmailAddress.normalized(email, at: ["body", "email"])
        }
        if input.fullNameSent {
            user.fullName = try input.fullName.map { try TextRule.check($0, at: ["body", "full_name"], min: 0, max: Self.fullNameMax) }
        }
        if asSuperuser {
            if let password = input.password {
                user.passwordHash = try await hasher.hash(Self.checkPassword(password, at: ["body", "password"]))
                user.passwordChangedAt = Date()
            }
            if let isActive = input.isActive { user.isActive = isActive }
            if let isSuperuser = input.isSuperuser { user.isSuperuser = isSuperuser }
        }
        try await Self.saveUnique(user, on: db)
    }

    func changePassword(of user: User, current: String, new: String, on db: any Database) async throws {
        let newPassword = try Self.checkPassword(new, at: ["body", "new_password"])
        guard try await hasher.verify(current, against: user.passwordHash) else {
            throw Abort(.badRequest, reason: "Incorrect password")
        }
        guard current != newPassword else {
            throw Abort(.badRequest, reason: "New password cannot be the same as the current one")
        }
        user.passwordHash = try await hasher.hash(newPassword)
        user.passwordChangedAt = Date()
        try await user.save(on: db)
    }

    /// Creates or promotes the configured first superuser; safe to run at every start.
    func ensureSuperuser(email: String, password: String, on db: any Database) async throws {
        if let existing = try await User.query(on: db).filter(\.$email == email).first() {
            guard !existing.isSuperuser || !existing.isActive else { return }
            existing.isSuperuser = true
            existing.isActive = true
            try await existing.save(on: db)
            return
        }
        let user = User(email: email, passwordHash: try await hasher.hash(password), fullName: nil, isSuperuser: true)
        do {
            try await user.create(on: db)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            // Another replica created it first.
        }
    }

    static func checkPassword(_ password: String, at loc: [JSONValue]) throws -> String {
        try TextRule.check(password, at: loc, min: passwordLength.lowerBound, max: passwordLength.upperBound)
    }

    /// Saves, answering 409 when the email belongs to someone else (checked first, and again by the
    /// unique index when two requests race).
    private static func saveUnique(_ user: User, on db: any Database) async throws {
        var taken = User.query(on: db).filter(\.$email == user.email)
        if let id = user.id { taken = taken.filter(\.$id != id) }
        if try await taken.count() > 0 { throw Abort.emailTaken }
        do {
            try await user.save(on: db)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw Abort.emailTaken
        }
    }
}
