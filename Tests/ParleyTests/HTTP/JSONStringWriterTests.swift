import Foundation
import NIOCore
import Testing
@testable import Parley

@Suite struct JSONStringWriterTests {
    @Test(arguments: ["", "plain", "quote \" and \\ backslash", "line\nbreak\r\ttab", "\u{0}\u{1}\u{1f} controls",
                      "émoji 🙂 and 中文", "\u{2028}\u{2029}", "</script>", String(repeating: "ab\"", count: 1000)])
    func writesWhatJSONDecoderReadsBack(text: String) throws {
        var buffer = ByteBuffer()
        JSONStringWriter.write(text[...], to: &buffer)
        let written = String(buffer: buffer)
        #expect(try JSONDecoder().decode(String.self, from: Data(written.utf8)) == text)
        #expect(!written.dropFirst().dropLast().contains("\n"), "an SSE data line may not break")
    }
}
