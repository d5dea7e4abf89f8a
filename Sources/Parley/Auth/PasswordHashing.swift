/// What the account rules need of password hashing. `PasswordHasher` is the one real kind; tests
/// put a gate in front of it, to hold checks in flight and order a race without sleeping.
protocol PasswordHashing: Sendable {
    func hash(_ password: String) async throws -> String
    func verify(_ password: String, against hash: String?) async throws -> Bool
}

extension PasswordHasher: PasswordHashing {}
