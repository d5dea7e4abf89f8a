import Foundation
import NIOConcurrencyHelpers

/// Wakes the clients that follow a reply generated elsewhere when its row changes: after this
/// process saves or sweeps it, and (on PostgreSQL) when another replica says so by `NOTIFY`.
/// A follower reads the row, notes the reply's version, and waits for a newer one; it also
/// re-reads on a timer, so a lost signal costs time, never text.
final class ReplySignals: Sendable {
    private struct Waiter {
        let seen: Int
        let continuation: CheckedContinuation<Void, Never>
    }
    private struct State {
        var versions: [UUID: Int] = [:]
        var waiters: [UUID: [UUID: Waiter]] = [:]
    }
    private let state = NIOLockedValueBox(State())

    func version(of id: UUID) -> Int {
        state.withLockedValue { $0.versions[id] ?? 0 }
    }

    func signal(_ id: UUID) {
        let woken = state.withLockedValue { state -> [Waiter] in
            state.versions[id, default: 0] += 1
            return Array(state.waiters.removeValue(forKey: id)?.values ?? [:].values)
        }
        for waiter in woken { waiter.continuation.resume() }
    }

    /// Returns once `id` has a version newer than `seen`, or after `timeout`, or on cancellation.
    func wait(for id: UUID, newerThan seen: Int, timeout: Duration) async {
        let token = UUID()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { continuation in
                        let ready = self.state.withLockedValue { state -> Bool in
                            // Cancelled before registering: onCancel has found nothing to resume.
                            if (state.versions[id] ?? 0) > seen || Task.isCancelled { return true }
                            state.waiters[id, default: [:]][token] = Waiter(seen: seen, continuation: continuation)
                            return false
                        }
                        if ready { continuation.resume() }
                    }
                } onCancel: {
                    self.state.withLockedValue { state in state.waiters[id]?.removeValue(forKey: token) }?.continuation.resume()
                }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
        state.withLockedValue { state in
            if state.waiters[id]?.isEmpty == true { state.waiters[id] = nil }
        }
    }

    /// Forgets a reply that has ended (its followers have read its end).
    func forget(_ id: UUID) {
        state.withLockedValue { state in
            if state.waiters[id] == nil { state.versions[id] = nil }
        }
    }
}
