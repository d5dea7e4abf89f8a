import Foundation
import Logging
import NIOConcurrencyHelpers
import Testing
@testable import Parley

/// `LOG_FORMAT=json` writes one parseable object a line.
@Suite struct JSONLogTests {
    @Test func oneObjectALineWithItsFields() throws {
        let lines = NIOLockedValueBox<[String]>([])
        var logger = Logger(label: "parley.test") { label in
            JSONLogHandler(label: label, level: .info, write: { line in lines.withLockedValue { $0.append(line) } })
        }
        logger[metadataKey: "request-id"] = "r-1"
        logger.debug("not written: below the level")
        logger.warning("two\nlines \"quoted\"", metadata: ["user": "u-2", "sizes": ["1", "2"]])

        let written = lines.withLockedValue { $0 }
        #expect(written.count == 1)
        let line = try #require(written.first)
        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["timestamp", "level", "message", "metadata", "label"])
        #expect(object["level"] as? String == "warning")
        #expect(object["message"] as? String == "two\nlines \"quoted\"")
        #expect(object["label"] as? String == "parley.test")
        let metadata = try #require(object["metadata"] as? [String: Any])
        #expect(metadata["request-id"] as? String == "r-1")
        #expect(metadata["user"] as? String == "u-2")
        #expect(metadata["sizes"] as? [String] == ["1", "2"])
        let timestamp = try #require(object["timestamp"] as? String)
        #expect(try Date(timestamp, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)).timeIntervalSinceNow > -60)
    }

    @Test func theFormatIsASetting() throws {
        #expect(try Settings.loadForTests([:]).logFormat == .text)
        #expect(try Settings.loadForTests(["LOG_FORMAT": "JSON"]).logFormat == .json)
        let error = #expect(throws: SettingsError.self) { try Settings.loadForTests(["LOG_FORMAT": "xml"]) }
        #expect(error?.variable == "LOG_FORMAT")
    }
}
