import Foundation

/// RFC 3339 in UTC with a `Z` and milliseconds: the contract's timestamp format. Written by hand
/// from the seconds since 1970 (Foundation's ISO 8601 style goes through a Gregorian calendar and
/// measured as a few per cent of listing a hundred conversations).
enum RFC3339 {
    /// The range RFC 3339 can write (years 0000 to 9999); a time outside it is written as its bound.
    static let writable: ClosedRange<TimeInterval> = -62_167_219_200 ... 253_402_300_799.999

    static func string(_ date: Date?) -> String {
        let since1970 = (date ?? Date(timeIntervalSince1970: 0)).timeIntervalSince1970
        // NaN and out-of-range times (an imported file may say anything) must never trap below.
        let clamped = since1970.isNaN ? 0 : min(max(since1970, writable.lowerBound), writable.upperBound)
        let milliseconds = Int64((clamped * 1000).rounded(.down))
        let (days, msOfDay) = milliseconds.quotientAndRemainder(dividingBy: 86_400_000)
        let (dayCount, ms) = msOfDay < 0 ? (days - 1, msOfDay + 86_400_000) : (days, msOfDay)
        let (year, month, day) = civil(fromDays: dayCount)
        let seconds = ms / 1000
        guard (0...9999).contains(year) else { return (date ?? Date()).formatted(.iso8601) }
        // yyyy-MM-ddTHH:mm:ss.SSSZ
        let fields: [(Int64, Int, UInt8)] = [
            (year, 4, UInt8(ascii: "-")), (month, 2, UInt8(ascii: "-")), (day, 2, UInt8(ascii: "T")),
            (seconds / 3600, 2, UInt8(ascii: ":")), (seconds / 60 % 60, 2, UInt8(ascii: ":")),
            (seconds % 60, 2, UInt8(ascii: ".")), (ms % 1000, 3, UInt8(ascii: "Z")),
        ]
        return String(unsafeUninitializedCapacity: 24) { out in
            var index = 0
            for (value, width, separator) in fields {
                var rest = value
                for offset in stride(from: width - 1, through: 0, by: -1) {
                    out[index + offset] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
                out[index + width] = separator
                index += width + 1
            }
            return 24
        }
    }

    /// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

}
