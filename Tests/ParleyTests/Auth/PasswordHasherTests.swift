import Testing
import Vapor
@testable import Parley

/// The hashing queue admits by the wait it means: hashes ahead × measured cost ÷ threads.
@Suite struct PasswordHasherTests {
    @Test func admitsWhileTheExpectedWaitIsWithinTheBound() async throws {
        let hasher = try PasswordHasher(cost: 4, threads: 2, maxWait: 10)
        // Nothing but the decoy has been hashed: the cost is the decoy's, and stays so here.
        let fits = Int(hasher.maxWait * Double(hasher.threads) / hasher.expectedCost)
        for _ in 0..<fits { try hasher.admit() }
        // One more sits on the bound; two more are past it.
        #expect(throws: Abort.self) {
            try hasher.admit()
            try hasher.admit()
        }
        await hasher.shutdown()
    }

    @Test func theCostIsMeasured() async throws {
        let hasher = try PasswordHasher(cost: 4, threads: 1, maxWait: 10)
        hasher.record(.seconds(1000))  // one very slow hash: the average is now minutes
        let slow = hasher.expectedCost
        try hasher.admit()  // the first in line is always admitted, however slow hashing is
        #expect(throws: Abort.self) { try hasher.admit() }
        hasher.leave()
        // A real hash is measured too, and brings the average down.
        _ = try await hasher.hash("password123")
        #expect(hasher.expectedCost < slow)
        await hasher.shutdown()
    }
}
