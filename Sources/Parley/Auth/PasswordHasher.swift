import Crypto
import NIOPosix
import Synchronization
import Vapor

/// Bcrypt on a thread pool of its own: a hash costs ~0.2 s at cost 12, and on the shared pool
/// (where the SQLite driver runs every query) a login storm would queue all database work behind
/// it. The queue is bounded: past it, a request is told to come back rather than wait for seconds.
///
/// New hashes bcrypt a SHA-256 of the password (marked `$bcrypt-sha256$`), because bcrypt reads
/// only 72 bytes; plain bcrypt hashes (older Parley, FastAPI's passlib) still verify.
final class PasswordHasher: Sendable {
    let cost: Int
    private let pool: NIOThreadPool
    private let queueLimit: Int
    private let queued = Atomic<Int>(0)
    /// Verified against when the email is unknown, so that case costs the same as a wrong password.
    private let decoyHash: String

    static let preHashedPrefix = "$bcrypt-sha256$"

    init(cost: Int, threads: Int, queueLimit: Int) throws {
        self.cost = cost
        self.queueLimit = queueLimit
        self.pool = NIOThreadPool(numberOfThreads: threads)
        self.decoyHash = Self.preHashedPrefix + (try Bcrypt.hash(Self.preHash("decoy password, never matches"), cost: cost))
        pool.start()
    }

    func shutdown() async {
        try? await pool.shutdownGracefully()
    }

    func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await run { Self.preHashedPrefix + (try Bcrypt.hash(Self.preHash(password), cost: cost)) }
    }

    func verify(_ password: String, against hash: String?) async throws -> Bool {
        let target = hash ?? decoyHash
        let matches = try await run {
            if target.hasPrefix(Self.preHashedPrefix) {
                return try Bcrypt.verify(Self.preHash(password), created: String(target.dropFirst(Self.preHashedPrefix.count)))
            }
            return try Bcrypt.verify(password, created: target)
        }
        return matches && hash != nil
    }

    /// 44 base64 characters: under bcrypt's 72 bytes, and free of the NUL bytes it would stop at.
    private static func preHash(_ password: String) -> String {
        Data(SHA256.hash(data: Data(password.utf8))).base64EncodedString()
    }

    /// Takes a place in the queue, or throws `busyHashing`; each admission is ended by one `leave`.
    /// Apart from `run`, only tests call these: places held by a test stand for a burst of requests.
    func admit() throws {
        let waiting = queued.wrappingAdd(1, ordering: .relaxed).newValue
        guard waiting <= queueLimit else {
            leave()
            throw Abort.busyHashing
        }
    }

    func leave() {
        queued.wrappingSubtract(1, ordering: .relaxed)
    }

    private func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try admit()
        defer { leave() }
        return try await pool.runIfActive(work)
    }
}
