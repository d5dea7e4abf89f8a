import Foundation
import NIOConcurrencyHelpers

/// Wakes the clients that follow a reply generated elsewhere when its row changes: after this
/// process saves or sweeps it, and (on PostgreSQL) when another replica says so by `NOTIFY`.
/// A follower watches the reply, reads its row, notes the reply's version, and waits for a newer
/// one; it also re-reads on a timer, so a lost signal costs time, never text. Only watched replies
/// are counted, so the signals of a whole cluster's replies cost nothing here.
final class ReplySignals: Sendable {
    private struct Watched {
        var followers = 0
        var version = 0
        var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    }
    private let state = NIOLockedValueBox([UUID: Watched]())

    /// Starts counting `id`'s changes for a follower; `unwatch` when it is done.
    func watch(_ id: UUID) {
        state.withLockedValue { $0[id, default: Watched()].followers += 1 }
    }

    func unwatch(_ id: UUID) {
        state.withLockedValue { state in
            state[id]?.followers -= 1
            if state[id]?.followers ?? 0 <= 0 { state[id] = nil }
        }
    }

    func version(of id: UUID) -> Int {
        state.withLockedValue { $0[id]?.version ?? 0 }
    }

    func signal(_ id: UUID) {
        let woken = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            guard state[id] != nil else { return [] }
            state[id]!.version += 1
            defer { state[id]!.waiters = [:] }
            return Array(state[id]!.waiters.values)
        }
        for waiter in woken { waiter.resume() }
    }

    /// Returns once watched `id` has a version newer than `seen`, or after `timeout`, or on cancellation.
    func wait(for id: UUID, newerThan seen: Int, timeout: Duration) async {
        let token = UUID()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { continuation in
                        let ready = self.state.withLockedValue { state -> Bool in
                            // Cancelled before registering: onCancel has found nothing to resume.
                            guard state[id] != nil, state[id]!.version <= seen, !Task.isCancelled else { return true }
                            state[id]!.waiters[token] = continuation
                            return false
                        }
                        if ready { continuation.resume() }
                    }
                } onCancel: {
                    self.state.withLockedValue { $0[id]?.waiters.removeValue(forKey: token) }?.resume()
                }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }
}
