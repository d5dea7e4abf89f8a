/// Runs write transactions one at a time, in arrival order. SQLite has one writer at a time and
/// makes the others wait in a sleeping busy handler (1, 2, 5, 10… ms naps), which stretches the
/// tail when a multi-statement transaction holds the lock across thread hops; queued here, the
/// next transaction starts the moment the previous one ends. PostgreSQL needs no such queue.
actor WriteQueue {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func run<T: Sendable>(_ work: @Sendable () async throws -> T) async rethrows -> T {
        await acquire()
        defer { release() }
        return try await work()
    }

    private func acquire() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty {
            busy = false
        } else {
            waiting.removeFirst().resume()
        }
    }
}
