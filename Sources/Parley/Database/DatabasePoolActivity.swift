import NIOCore
import Synchronization

/// The state of the database connection pools, for `/metrics`.
///
/// Fluent's pools keep their counts private, so Parley counts the database work in flight on each
/// event loop instead: every operation holds one of its loop's pooled connections until it ends,
/// and operations beyond the pool's size wait for a connection.
final class DatabasePoolActivity: Sendable {
    struct Snapshot: Equatable {
        var size: Int
        var inUse: Int
        var waiting: Int
    }

    let connectionsPerEventLoop: Int
    private let eventLoopCount: Int
    private let inFlight = Mutex<[ObjectIdentifier: Int]>([:])

    init(connectionsPerEventLoop: Int, eventLoopCount: Int) {
        self.connectionsPerEventLoop = connectionsPerEventLoop
        self.eventLoopCount = eventLoopCount
    }

    func begin(on eventLoop: any EventLoop) {
        inFlight.withLock { $0[ObjectIdentifier(eventLoop), default: 0] += 1 }
    }

    func end(on eventLoop: any EventLoop) {
        inFlight.withLock { $0[ObjectIdentifier(eventLoop), default: 0] -= 1 }
    }

    var snapshot: Snapshot {
        inFlight.withLock { counts in
            counts.values.reduce(into: Snapshot(size: connectionsPerEventLoop * eventLoopCount, inUse: 0, waiting: 0)) {
                $0.inUse += min($1, connectionsPerEventLoop)
                $0.waiting += max($1 - connectionsPerEventLoop, 0)
            }
        }
    }
}
