import NIOConcurrencyHelpers
import NIOCore

/// Measures how long we have been waiting on the provider. Time spent handing text on to our own
/// client does not count: only the provider's silence does.
final class SilenceWatchdog: Sendable {
    private let waitingSince = NIOLockedValueBox<NIODeadline?>(nil)

    func startWaiting() { waitingSince.withLockedValue { $0 = .now() } }
    func stopWaiting() { waitingSince.withLockedValue { $0 = nil } }

    fileprivate func silence() -> TimeAmount {
        waitingSince.withLockedValue { since in since.map { .now() - $0 } ?? .zero }
    }
}

/// Runs `body`, failing with `LLMError.timeout` (and cancelling `body`, which drops the upstream
/// request) as soon as the provider has been silent for `seconds`.
func withSilenceTimeout<T: Sendable>(
    seconds: Double, _ body: @escaping @Sendable (SilenceWatchdog) async throws -> T
) async throws -> T {
    let watchdog = SilenceWatchdog()
    let limit = TimeAmount.nanoseconds(Int64(seconds * 1_000_000_000))
    let tick = Duration.nanoseconds(min(max(limit.nanoseconds / 10, 5_000_000), 1_000_000_000))
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body(watchdog) }
        group.addTask {
            while true {
                try await Task.sleep(for: tick)
                if watchdog.silence() >= limit { throw LLMError.timeout(seconds: seconds) }
            }
        }
        defer { group.cancelAll() }
        while let result = try await group.next() {
            if let result { return result }
        }
        throw CancellationError()
    }
}
