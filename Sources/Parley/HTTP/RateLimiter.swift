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

    /// Seconds until an event is allowed, when one of the keys is at the limit; nil when none is.
    /// Counts nothing.
    func check(_ keys: [String], now: Date = Date()) -> Int? {
        guard limit > 0 else { return nil }
        let waits = keys.compactMap { key -> TimeInterval? in
            let recent = recentEvents(key, now: now)
            guard recent.count >= limit, let oldest = recent.first else { return nil }
            return oldest.addingTimeInterval(window).timeIntervalSince(now)
        }
        return waits.max().map { max(1, Int($0.rounded(.up))) }
    }

    /// Counts an event against every key, unless one of them is already at the limit: then
    /// nothing is counted and the answer is the seconds until an event is allowed. Checking and
    /// counting in one step means parallel events cannot all pass the check before any counts.
    func acquire(_ keys: [String], now: Date = Date()) -> Int? {
        guard limit > 0 else { return nil }
        if let wait = check(keys, now: now) { return wait }
        if events.count > 100_000 { prune(now: now) }
        for key in keys { events[key, default: []].append(now) }
        return nil
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
