@testable import Parley

/// The real hasher, with the checks of some passwords held at `gate` until it opens.
struct GatedHasher: PasswordHashing {
    let real: PasswordHasher
    let gate: Gate
    var holds: @Sendable (String) -> Bool = { _ in true }

    func hash(_ password: String) async throws -> String {
        try await real.hash(password)
    }

    func verify(_ password: String, against hash: String?) async throws -> Bool {
        if holds(password) { await gate.pass() }
        return try await real.verify(password, against: hash)
    }
}
