import Foundation
import SQLKit

/// `token_usage`: each user's prompt + completion tokens per calendar month (UTC), added to when
/// a reply ends, so a budget check reads one row instead of summing messages.
enum UsageStore {
    static let table = "token_usage"
    enum Column {
        static let userID = "user_id", month = "month", tokens = "tokens"
    }

    /// `2026-11`: the month (UTC) `date` falls in.
    static func month(of date: Date) -> String {
        let parts = Calendar.utc.dateComponents([.year, .month], from: date)
        return String(format: "%04d-%02d", parts.year ?? 1970, parts.month ?? 1)
    }

    /// Seconds from `date` until the next month (UTC) begins.
    static func secondsUntilNextMonth(from date: Date) -> Int {
        let calendar = Calendar.utc
        let start = calendar.date(from: calendar.dateComponents([.year, .month], from: date)) ?? date
        let next = calendar.date(byAdding: .month, value: 1, to: start) ?? date
        return max(1, Int(next.timeIntervalSince(date).rounded(.up)))
    }

    static func tokens(of userID: UUID, in month: String, on db: any SQLDatabase) async throws -> Int {
        try await db.select().column(Column.tokens).from(table)
            .where(Column.userID, .equal, userID).where(Column.month, .equal, month)
            .first(decodingColumn: Column.tokens, as: Int.self) ?? 0
    }

    /// Adds `tokens` to the user's month, in one statement (an upsert both databases speak).
    static func add(_ tokens: Int, to userID: UUID, in month: String, on db: any SQLDatabase) async throws {
        guard tokens > 0 else { return }
        try await db.raw("""
            INSERT INTO \(ident: table) (\(ident: Column.userID), \(ident: Column.month), \(ident: Column.tokens)) \
            VALUES (\(bind: userID), \(bind: month), \(bind: tokens)) \
            ON CONFLICT (\(ident: Column.userID), \(ident: Column.month)) \
            DO UPDATE SET \(ident: Column.tokens) = \(ident: table).\(ident: Column.tokens) + excluded.\(ident: Column.tokens)
            """).run()
    }
}

extension Calendar {
    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
