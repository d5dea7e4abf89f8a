import Crypto
import NIOPosix
import Synchronization
import Vapor

/// Bcrypt on a thread pool of its own: a hash costs ~0.2 s at cost 12, and on the shared pool
/// (where the SQLite driver runs every query) a login storm would queue all database work behind
/// it. The queue is bounded by the wait it means, not by its length: a request is admitted while
/// the hashes ahead of it would take at most `maxWait` (see `admit`); past that it is told to come
/// back rather than wait that long. A burst of sign-ups on a fast machine is all admitted; the
/// same burst on a slow one, or at a higher cost, is not.
///
/// New hashes bcrypt a SHA-256 of the password (marked `$bcrypt-sha256$`), because bcrypt reads
/// only 72 bytes; plain bcrypt hashes (older Parley, FastAPI's passlib) still verify.
final class PasswordHasher: Sendable {
    let cost: Int
    let threads: Int
    /// The longest a request may expect to wait for a hashing thread (`Settings.passwordHashMaxWaitSeconds`).
    let maxWait: Double
    private let pool: NIOThreadPool
    /// Hashes admitted and not yet done, running or waiting.
    private let queued = Atomic<Int>(0)
    /// Seconds one hash takes here: a moving average of recent hashes, seeded by the decoy's.
    private let averageCost: Mutex<Double>
    /// Verified against when the email is unknown, so that case costs the same as a wrong password.
    private let decoyHash: String

    static let preHashedPrefix = "$bcrypt-sha256$"
    /// How much the newest hash moves the average: the last few hashes dominate, so a machine
    /// that gets busier (or a cost that changes with old hashes) shows within a few logins.
    static let averagingWeight = 0.2

    init(cost: Int, threads: Int, maxWait: Double) throws {
        self.cost = cost
        self.threads = threads
        self.maxWait = maxWait
        self.pool = NIOThreadPool(numberOfThreads: threads)
        let start = ContinuousClock.now
        self.decoyHash = Self.preHashedPrefix + (try Bcrypt.hash(Self.preHash("decoy password, never matches"), cost: cost))
        self.averageCost = Mutex((ContinuousClock.now - start).seconds)
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

    /// Seconds one hash is expected to take now.
    var expectedCost: Double { averageCost.withLock { $0 } }

    /// Takes a place in the queue, or throws `busyHashing` when the hashes already admitted would
    /// keep this one waiting longer than `maxWait`: ahead × cost / threads. The first in line is
    /// always admitted, however slow a hash is. Each admission is ended by one `leave`.
    /// Apart from `run`, only tests call these: places held by a test stand for a burst of requests.
    func admit() throws {
        let ahead = queued.wrappingAdd(1, ordering: .relaxed).oldValue
        guard Double(ahead) * expectedCost / Double(threads) <= maxWait else {
            leave()
            throw Abort.busyHashing
        }
    }

    func leave() {
        queued.wrappingSubtract(1, ordering: .relaxed)
    }

    /// Moves the average towards one measured hash.
    func record(_ duration: Duration) {
        averageCost.withLock { $0 += Self.averagingWeight * (duration.seconds - $0) }
    }

    private func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try admit()
        defer { leave() }
        return try await pool.runIfActive { [self] in
            let start = ContinuousClock.now
            defer { record(ContinuousClock.now - start) }
            return try work()
        }
    }
}

private extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
