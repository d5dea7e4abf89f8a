import Foundation

/// Counts events per key (failed logins per email and address, chats per user) over a sliding
/// window. In memory, so each replica counts on its own: a bound per process, not cluster-wide.
actor RateLimiter {
    let limit: Int
    let window: TimeInterval
    private var events: [String: [Date]] = [:]

    /// `limit` 0 turns the limiter off.
    init(limit: Int, window: TimeInterval) {
        self.limit = limit
        self.window = window
    }

    /// Seconds until a new attempt is allowed, or `nil` when none of the keys is over the limit.
    func retryAfter(for keys: [String], now: Date = Date()) -> Int? {
        guard limit > 0 else { return nil }
        let waits = keys.compactMap { key -> TimeInterval? in
            let recent = recentEvents(key, now: now)
            guard recent.count >= limit, let oldest = recent.first else { return nil }
            return oldest.addingTimeInterval(window).timeIntervalSince(now)
        }
        return waits.max().map { max(1, Int($0.rounded(.up))) }
    }

    func record(_ keys: [String], now: Date = Date()) {
        guard limit > 0 else { return }
        if events.count > 100_000 { prune(now: now) }
        for key in keys { events[key, default: []].append(now) }
    }

    func reset(_ key: String) {
        events[key] = nil
    }

    private func recentEvents(_ key: String, now: Date) -> [Date] {
        let recent = (events[key] ?? []).filter { now.timeIntervalSince($0) < window }
        events[key] = recent.isEmpty ? nil : recent
        return recent
    }

    private func prune(now: Date) {
        events = events.compactMapValues { dates in
            let recent = dates.filter { now.timeIntervalSince($0) < window }
            return recent.isEmpty ? nil : recent
        }
    }
}
