import Foundation
import Testing
@testable import Parley

/// The hand-written UUID and timestamp formats agree with Foundation's.
@Suite struct TextFormatTests {
    @Test func uuidTextRoundTripsAndMatchesFoundation() {
        for _ in 0..<1000 {
            let id = UUID()
            #expect(id.lowercasedString == id.uuidString.lowercased())
            #expect(UUID(canonicalText: id.uuidString) == id)
            #expect(UUID(canonicalText: id.lowercasedString) == id)
        }
    }

    @Test(arguments: ["", "not a uuid", "6459307dcd8848d7af0d50cdf2a15fbe", "6459307d-cd88-48d7-af0d-50cdf2a15fb",
                      "6459307d-cd88-48d7-af0d-50cdf2a15fbeX", "6459307d_cd88-48d7-af0d-50cdf2a15fbe", "6459307g-cd88-48d7-af0d-50cdf2a15fbe",
                      "6459307d-cd88-48d7-af0d-50cdf2a15fb\u{E9}"])
    func malformedUUIDTextIsRefused(text: String) {
        #expect(UUID(canonicalText: text) == nil)
        #expect(UUID(uuidString: text) == nil)
    }

    @Test(arguments: [1e300, -1e300, .infinity, -.infinity, .nan, 253_402_300_800, -62_167_219_201])
    func timesOutOfRangeAreWrittenAsTheirBoundNotATrap(seconds: Double) {
        let text = RFC3339.string(Date(timeIntervalSince1970: seconds))
        #expect(text.count == 24 && text.hasSuffix("Z"), "\(text)")
    }

    @Test func timestampsMatchFoundationsISO8601() throws {
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        for date in [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -1.5), Date(timeIntervalSince1970: 951_782_400),
                     Date(timeIntervalSince1970: 4_107_542_399.5), Date(timeIntervalSince1970: 1_795_640_165.25)] {
            #expect(RFC3339.string(date) == date.formatted(style), "\(date.timeIntervalSince1970)")
        }
        // Arbitrary instants: the same format, and the same millisecond but for how a binary
        // fraction like .87 happens to round (Foundation counts from 2001, this from 1970).
        for _ in 0..<2000 {
            let date = Date(timeIntervalSince1970: Double.random(in: -2_000_000_000...4_000_000_000))
            let ours = RFC3339.string(date)
            let parsed = try #require(try? style.parse(ours), "\(ours)")
            #expect(ours.utf8.count == 24 && ours.hasSuffix("Z"))
            #expect(abs(parsed.timeIntervalSince(try style.parse(date.formatted(style)))) <= 0.0011, "\(ours) vs \(date.formatted(style))")
        }
    }
}
