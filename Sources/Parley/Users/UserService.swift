import Fluent
import Logging
import SQLKit
import Vapor

/// Account rules: validation, unique emails, password changes that revoke older tokens.
struct UserService: Sendable {
    let hasher: any PasswordHashing
    /// Failed `current_password` checks per user: without it a stolen token is a password oracle.
    let passwordCheckLimiter: RateLimiter

    func create(_ input: UserCreateRequest, allowPrivileges: Bool, auditor: Auditor? = nil, on db: any SQLDatabase) async throws -> UserRow {
        let email = try EmailAddress.normalized(input.email, at: ["body", "email"])
        let password = try Self.checkPassword(input.password, at: ["body", "password"])
        let fullName = try input.fullName.map { try TextRule.check($0, at: ["body", "full_name"], length: Limits.User.fullName) }
        // Cheap checks first: a taken address costs no hash.
        if try await UserStore.emailTaken(EmailAddress.conflictingForms(email), except: nil, on: db) { throw Abort.emailTaken }
        let user = UserRow(
            id: UUID(), email: email, passwordHash: try await hasher.hash(password), fullName: fullName,
            isActive: allowPrivileges ? input.isActive ?? true : true,
            isSuperuser: allowPrivileges ? input.isSuperuser ?? false : false,
            tokenVersion: 0, createdAt: Date())
        let entries = auditor.map { [$0.entry(allowPrivileges ? "user.create" : "user.signup", target: user.id.lowercasedString,
                                              actorID: allowPrivileges ? nil : user.id)] } ?? []
        do {
            try await AuditStore.recording(entries, on: db) { try await UserStore.insert(user, on: $0) }
        } catch where error.isConstraintFailure {
            throw Abort.emailTaken  // the same address signed up in between
        }
        return user
    }

    /// Applies a partial update; privileges and password only when `asSuperuser`. The fields, the
    /// password and the audit entries are written in one transaction: all of them or none.
    func update(
        _ user: UserRow, with input: UserUpdateRequest, asSuperuser: Bool, auditor: Auditor? = nil,
        writer: DatabaseWriter, on db: any Database
    ) async throws -> UserRow {
        let storedEmail = user.email
        let before = user
        var user = user
        if let email = input.email {
            user.email = try EmailAddress.normalized(email, at: ["body", "email"])
        }
        if input.fullNameSent {
            user.fullName = try input.fullName.map { try TextRule.check($0, at: ["body", "full_name"], length: Limits.User.fullName) }
        }
        var newPassword: String?
        if asSuperuser {
            newPassword = try input.password.map { try Self.checkPassword($0, at: ["body", "password"]) }
            if let isActive = input.isActive { user.isActive = isActive }
            if let isSuperuser = input.isSuperuser { user.isSuperuser = isSuperuser }
            if input.monthlyTokenBudgetSent {
                let range = Limits.User.monthlyTokenBudget
                if let budget = input.monthlyTokenBudget, !range.contains(budget) {
                    throw ValidationFailure(loc: ["body", "monthly_token_budget"],
                                            msg: "Input should be between \(range.lowerBound) and \(range.upperBound), or null", type: "value_error")
                }
                user.monthlyTokenBudget = input.monthlyTokenBudget
            }
        }
        // Only a new address is checked: an account may keep a form that now looks like another's.
        if user.email != storedEmail,
           try await UserStore.emailTaken(EmailAddress.conflictingForms(user.email), except: user.id, on: db.sql) {
            throw Abort.emailTaken
        }
        var hash: String?
        if let newPassword { hash = try await hasher.hash(newPassword) }
        let target = user.id.lowercasedString
        var entries: [AuditEntry] = []
        if let auditor {
            if user.email != storedEmail { entries.append(auditor.entry("email.change", target: target)) }
            if hash != nil { entries.append(auditor.entry("password.change", target: target)) }
            if user.monthlyTokenBudget != before.monthlyTokenBudget {
                entries.append(auditor.entry("user.budget", target: "\(target) \(user.monthlyTokenBudget.map(String.init) ?? "unlimited")"))
            }
            if user.isActive != before.isActive { entries.append(auditor.entry(user.isActive ? "user.activate" : "user.deactivate", target: target)) }
            if user.isSuperuser != before.isSuperuser { entries.append(auditor.entry(user.isSuperuser ? "user.promote" : "user.demote", target: target)) }
            if asSuperuser, entries.isEmpty, user != before { entries.append(auditor.entry("user.update", target: target)) }
        }
        let changed = user
        let newHash = hash
        let audit = entries
        do {
            try await writer.transaction(on: db) { tx in
                try await UserStore.update(changed, on: tx)
                if let newHash { try await UserStore.changePassword(of: changed.id, to: newHash, on: tx) }
                for entry in audit { try await AuditStore.append(entry, on: tx) }
            }
        } catch where error.isConstraintFailure {
            throw Abort.emailTaken
        }
        if let hash {
            user.passwordHash = hash
            user.tokenVersion += 1
        }
        return user
    }

    func changePassword(of user: UserRow, current: String, new: String, auditor: Auditor? = nil, on db: any SQLDatabase) async throws {
        let newPassword = try Self.checkPassword(new, at: ["body", "new_password"])
        let keys = ["password:\(user.id)"]
        let refusal = "Too many incorrect passwords"
        // Failures are counted after the check, not attempts before it: see WrongPasswordLimit.
        try await passwordCheckLimiter.admitPasswordCheck(keys, refusal: refusal)
        let matches = try await hasher.verify(current, against: user.passwordHash)
        try await passwordCheckLimiter.judgePasswordCheck(keys, matched: matches, refusal: refusal)
        guard matches else { throw Abort(.badRequest, reason: "Incorrect password") }
        guard current != newPassword else {
            throw Abort(.badRequest, reason: "New password cannot be the same as the current one")
        }
        let hash = try await hasher.hash(newPassword)
        let entries = auditor.map { [$0.entry("password.change", target: user.id.lowercasedString)] } ?? []
        try await AuditStore.recording(entries, on: db) { try await UserStore.changePassword(of: user.id, to: hash, on: $0) }
    }

    /// Creates the configured first superuser when no account has that address; safe at every
    /// start. An existing account is left as it is: promoting it would hand the server to whoever
    /// registered the address first, and would undo an admin's demotion at every restart.
    func ensureSuperuser(email: String, password: String, on db: any SQLDatabase, logger: Logger) async throws {
        if let existing = try await UserStore.find(firstOf: EmailAddress.conflictingForms(email), on: db) {
            if !existing.isSuperuser || !existing.isActive {
                logger.warning("FIRST_SUPERUSER \(email) exists but is not an active superuser; left as it is")
            }
            return
        }
        let user = UserRow(
            id: UUID(), email: email, passwordHash: try await hasher.hash(password), fullName: nil,
            isActive: true, isSuperuser: true, tokenVersion: 0, createdAt: Date())
        do {
            try await UserStore.insert(user, on: db)
        } catch where error.isConstraintFailure {
            // Another replica created it first.
        }
    }

    static func checkPassword(_ password: String, at loc: [JSONValue]) throws -> String {
        try TextRule.check(password, at: loc, length: Limits.User.password)
    }
}
