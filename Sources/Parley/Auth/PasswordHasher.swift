import NIOPosix
import Vapor

/// Bcrypt on a thread pool: one hash costs tens of milliseconds at cost 12, far too long to spend
/// on an event loop.
struct PasswordHasher: Sendable {
    let cost: Int
    let threadPool: NIOThreadPool
    /// Verified against when the email is unknown, so that case costs the same as a wrong password.
    let decoyHash: String

    init(cost: Int, threadPool: NIOThreadPool) throws {
        self.cost = cost
        self.threadPool = threadPool
        self.decoyHash = try Bcrypt.hash("decoy password, never matches", cost: cost)
    }

    func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await threadPool.runIfActive { try Bcrypt.hash(password, cost: cost) }
    }

    func verify(_ password: String, against hash: String?) async throws -> Bool {
        let target = hash ?? decoyHash
        let matches = try await threadPool.runIfActive { try Bcrypt.verify(password, created: target) }
        return matches && hash != nil
    }
}
