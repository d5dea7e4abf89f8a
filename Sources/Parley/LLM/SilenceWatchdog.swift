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
/// request) as soon as the provider has been silent for `seconds`, and with
/// `LLMError.limitExceeded` once `totalSeconds` have passed however chatty it is: a provider that
/// trickles text forever must not hold a request forever.
func withSilenceTimeout<T: Sendable>(
    seconds: Double, totalSeconds: Double = 86_400, _ body: @escaping @Sendable (SilenceWatchdog) async throws -> T
) async throws -> T {
    let watchdog = SilenceWatchdog()
    let limit = TimeAmount.nanoseconds(Int64(seconds * 1_000_000_000))
    let deadline = NIODeadline.now() + .nanoseconds(Int64(totalSeconds * 1_000_000_000))
    let shortest = min(limit.nanoseconds, Int64(totalSeconds * 1_000_000_000))
    let tick = Duration.nanoseconds(min(max(shortest / 10, 5_000_000), 1_000_000_000))
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body(watchdog) }
        group.addTask {
            while true {
                try await Task.sleep(for: tick)
                if watchdog.silence() >= limit { throw LLMError.timeout(seconds: seconds) }
                if .now() >= deadline {
                    throw LLMError.limitExceeded("it took longer than \(totalSeconds.formatted()) s (LLM_MAX_TURN_SECONDS)")
                }
            }
        }
        defer { group.cancelAll() }
        while let result = try await group.next() {
            if let result { return result }
        }
        throw CancellationError()
    }
}
