import Foundation

/// Counts failed logins per email and per client address over a sliding window. In memory, so each
/// replica counts on its own: a bound per process, not a cluster-wide one.
actor LoginRateLimiter {
    let limit: Int
    let window: TimeInterval
    private var failures: [String: [Date]] = [:]

    init(limit: Int, window: TimeInterval = 15 * 60) {
        self.limit = limit
        self.window = window
    }

    /// Seconds until a new attempt is allowed, or `nil` when none of the keys is over the limit.
    func retryAfter(for keys: [String], now: Date = Date()) -> Int? {
        guard limit > 0 else { return nil }
        let waits = keys.compactMap { key -> TimeInterval? in
            let recent = recentFailures(key, now: now)
            guard recent.count >= limit, let oldest = recent.first else { return nil }
            return oldest.addingTimeInterval(window).timeIntervalSince(now)
        }
        return waits.max().map { max(1, Int($0.rounded(.up))) }
    }

    func recordFailure(for keys: [String], now: Date = Date()) {
        guard limit > 0 else { return }
        if failures.count > 100_000 { prune(now: now) }
        for key in keys { failures[key, default: []].append(now) }
    }

    func reset(_ key: String) {
        failures[key] = nil
    }

    private func recentFailures(_ key: String, now: Date) -> [Date] {
        let recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < window }
        failures[key] = recent.isEmpty ? nil : recent
        return recent
    }

    private func prune(now: Date) {
        failures = failures.compactMapValues { dates in
            let recent = dates.filter { now.timeIntervalSince($0) < window }
            return recent.isEmpty ? nil : recent
        }
    }
}
